# Benchmarks: `make bench` runs each; bench/bench_NAME.c is one program linked with libaccord.
# bench-chain: 4 validators on loopback, see bench/bench_chain.c and README.md (Benchmarks).
$(BIN)/bench-chain: $(OBJ)/bench/bench_chain.o $(OBJ)/bench/benchfx.o $(LIB)/libaccord.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

ALL_TARGETS += $(BIN)/bench-chain

bench-chain: all
	ACCORD_BIN=$(abspath $(BIN)) $(BIN)/bench-chain

# bench-identity: credential verification on one core and did.create on 4 validators (it runs
# bench-chain with ACCORD_BENCH_WORKLOAD=did), see bench/bench_identity.c and README.md.
$(BIN)/bench-identity: $(OBJ)/bench/bench_identity.o $(LIB)/libaccord.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

ALL_TARGETS += $(BIN)/bench-identity

bench-identity: all
	ACCORD_BIN=$(abspath $(BIN)) $(BIN)/bench-identity

# bench-eventbus: publish, end-to-end latency and fan-out through the members' brokers on 4
# validators, against this machine's ZeroMQ and Redis baselines; see bench/bench_eventbus.c.
$(BIN)/bench-eventbus: $(OBJ)/bench/bench_eventbus.o $(OBJ)/bench/benchfx.o $(LIB)/libaccord.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

ALL_TARGETS += $(BIN)/bench-eventbus

bench-eventbus: all
	ACCORD_BIN=$(abspath $(BIN)) $(BIN)/bench-eventbus
