#!/usr/bin/env bash
# The main story, end to end, on a 4-member network on loopback: anchor evidence, print and
# check its proof, kill a node while the others keep committing, restart it and watch it catch
# up; then identity: a university gets a DID and is recognized by the members, publishes a
# schema and a revocation list, issues a degree to Alice as an SD-JWT, Alice shows only her
# name and degree to an employer at another member, the employer verifies it against the
# chain, the university revokes it and the next verification says so; then the event bus: a
# plant publishes readings at member2, an application at member4 replays them through its own
# broker, member3 proves one is on the chain, and the application is refused as a publisher.
# Stops everything it started, also when a step fails.
set -euo pipefail
bin=${1:-build/bin}
accord="$bin/accord"
dir=$(mktemp -d /tmp/accord-demo-XXXXXX)
# A base port whose 40 ports nobody listens on (member K uses P+10(K-1) .. +5: peers, RPC, PUB,
# accord-identity, accord-eventbus and its own Redis).
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
  local base p
  for _ in $(seq 1 50); do
    base=$(( 20000 + RANDOM % 30000 ))
    for p in $(seq "$base" $(( base + 39 ))); do port_free "$p" || continue 2; done
    echo "$base"; return 0
  done
  echo "no free ports" >&2; return 1
}
port=${ACCORD_DEMO_PORT:-$(pick_port)}
cleanup() { "$accord" net stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
height() { "$accord" chain status --member "$dir/$1" --json | sed -n 's/^ *"height":\([0-9]*\).*/\1/p'; }

step "a network of four members (chain, keys, CURVE certificates) in $dir"
"$accord" net init --members 4 --dir "$dir" --base-port "$port"
"$accord" net start "$dir"
"$accord" chain status --member "$dir/member1"

step "member2 anchors the hash of a document"
doc_hash=$(printf 'contract between member1 and member2, v1' | sha256sum | cut -c1-64)
out=$("$accord" evidence anchor "$doc_hash" --member "$dir/member2" --meta '{"title":"supply contract","version":1}')
echo "$out"
tx=$(echo "$out" | sed -n 's/^tx //p')

step "member3 reads it from its own node"
"$accord" evidence get "$doc_hash" --member "$dir/member3"

step "member4 proves it is on the chain: Merkle paths + commit certificate, checked against genesis"
"$accord" chain proof "$tx" --member "$dir/member4"

step "kill -9 member1 (the leader); the other three keep committing"
kill -9 "$(cat "$dir/member1/chain.pid")"
for i in 1 2 3; do
  h=$(printf 'while member1 is down %s' "$i" | sha256sum | cut -c1-64)
  "$accord" evidence anchor "$h" --member "$dir/member$((i % 3 + 2))" | sed -n 's/^height/committed at height/p'
done
"$accord" chain status --member "$dir/member2"

step "restart member1: it catches up from its peers, checking every certificate"
"$accord" net start "$dir" --member member1
target=$(height member2)
for _ in $(seq 1 100); do [ "$(height member1)" -ge "$target" ] && break; sleep 0.1; done
[ "$(height member1)" -ge "$target" ] || { echo "member1 did not catch up"; exit 1; }
for k in 1 2; do echo "member$k block $target: $("$accord" chain block "$target" --member "$dir/member$k" | sed -n 's/^hash *//p')"; done
"$accord" chain status --member "$dir/member1"

step "identity: a university creates its DID (key proven by the creating transaction)"
work="$dir/work"; mkdir -p "$work"
caught_up() {  # waits until member $1 has every block member1 has
  local target; target=$(height member1)
  for _ in $(seq 1 100); do [ "$(height "$1")" -ge "$target" ] && return 0; sleep 0.1; done
  echo "member $1 is behind"; return 1
}
json_field() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" | head -1; }
uni=$("$accord" did create --out "$work/uni.key" --member "$dir/member1" --json | json_field did)
echo "university: $uni"
"$accord" did resolve "$uni" --member "$dir/member3"

step "the members recognize it as an issuer of type university (3 of 4 validators vote)"
"$accord" issuer propose "$uni" --name "Example University" --member "$dir/member1" >/dev/null
for k in 2 3; do "$accord" issuer vote "$uni" --action recognize --name "Example University" --member "$dir/member$k" >/dev/null; done
for k in 1 2 3; do "$accord" issuer vote "$uni" --action add_type --type university --member "$dir/member$k" >/dev/null; done
"$accord" issuer list --type university --member "$dir/member4"

step "it publishes a degree schema and a revocation list"
cat > "$work/degree.schema.json" <<'JSON'
{"type": "object", "required": ["credentialSubject"],
 "properties": {"credentialSubject": {"type": "object", "required": ["name", "degree"],
   "properties": {"name": {"type": "string", "minLength": 1},
                  "degree": {"type": "string", "enum": ["BSc", "MSc", "PhD"]},
                  "grade": {"type": "number", "minimum": 0, "maximum": 100}}}}}
JSON
schema=$("$accord" schema register --key "$work/uni.key" --name degree --version 1 --schema "$work/degree.schema.json" --member "$dir/member1" | tail -1)
echo "schema: $schema"
list=$("$accord" status create --key "$work/uni.key" --name degrees-2026 --purpose revocation --member "$dir/member1" | tail -1)
echo "revocation list: $list"

step "Alice creates her DID at member2; the university issues her degree as an SD-JWT bound to her key"
alice=$("$accord" did create --out "$work/alice.key" --member "$dir/member2" --json | json_field did)
echo "alice: $alice"
printf '{"name": "Alice Martin", "degree": "MSc", "grade": 87}' > "$work/claims.json"
"$accord" vc issue --key "$work/uni.key" --subject "$alice" --claims "$work/claims.json" --type UniversityDegree \
    --schema "$schema" --status "$list" --sd /credentialSubject/grade --sd /credentialSubject/name \
    --holder "$alice" --member "$dir/member1" > "$work/degree.sd-jwt"
cut -c1-120 "$work/degree.sd-jwt"; echo "..."

step "Alice shows her name and degree (not her grade) to an employer, for its nonce and audience"
nonce=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
"$accord" vc disclose "$work/degree.sd-jwt" --key "$work/alice.key" --reveal /credentialSubject/name \
    --nonce "$nonce" --aud https://employer.example > "$work/shown.sd-jwt"

step "the employer (member4) verifies: signature, issuer recognized as a university, schema, status, key binding"
caught_up member4
"$accord" vc verify "$work/shown.sd-jwt" --nonce "$nonce" --aud https://employer.example \
    --require-issuer --issuer-type university --member "$dir/member4"

step "an application without libaccord asks member4's accord-identity (Redis-cached) the same question"
"$accord" vc verify "$work/shown.sd-jwt" --nonce "$nonce" --aud https://employer.example \
    --require-issuer --issuer-type university --member "$dir/member4" --service --json
"$accord" identity status --member "$dir/member4"

step "a replayed presentation (another nonce) is refused"
if "$accord" vc verify "$work/shown.sd-jwt" --nonce other --aud https://employer.example --member "$dir/member4"; then
  echo "a replay verified"; exit 1; fi

step "the university revokes the degree; the employer's next verification sees it"
"$accord" vc revoke "$work/degree.sd-jwt" --key "$work/uni.key" --member "$dir/member1"
caught_up member4
if "$accord" vc verify "$work/shown.sd-jwt" --nonce "$nonce" --aud https://employer.example --member "$dir/member4"; then
  echo "a revoked credential verified"; exit 1; fi
if "$accord" vc verify "$work/shown.sd-jwt" --nonce "$nonce" --aud https://employer.example --member "$dir/member4" --service; then
  echo "accord-identity still said valid after the revocation"; exit 1; fi

step "event bus: a plant at member2 owns topic plant/line-3/temp; anyone with a DID may read it"
plant=$("$accord" did create --out "$work/plant.key" --member "$dir/member2" --json | json_field did)
app=$("$accord" did create --out "$work/app.key" --member "$dir/member4" --json | json_field did)
echo "plant: $plant"; echo "application at member4: $app"
"$accord" topic create plant/line-3/temp --key "$work/plant.key" --subscribers '*' --description 'Line 3 temperatures' --member "$dir/member2"

step "the plant publishes three readings through member2's broker; each id is printed once its block commits"
printf '21.5\n21.7\n22.4\n' | "$accord" pub plant/line-3/temp --key "$work/plant.key" --tag celsius --member "$dir/member2" | tee "$work/ids"
first=$(head -1 "$work/ids")

step "the application at member4 replays 'plant/#' from the first event, through its own broker (from member4's own Redis)"
caught_up member4
timeout 30 "$accord" sub 'plant/#' --key "$work/app.key" --from first --count 3 --member "$dir/member4"

step "member3 proves the first reading is on the chain (inclusion proof + commit certificate, checked against genesis)"
"$accord" event proof "$first" --member "$dir/member3"

step "the application may read the topic but not publish on it"
if "$accord" pub plant/line-3/temp --key "$work/app.key" --member "$dir/member4" 99.9; then
  echo "a publisher outside the topic's rules was accepted"; exit 1; fi

step "done: stopping the network"
