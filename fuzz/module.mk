# libFuzzer targets, one per decoder: fuzz/fuzz_NAME.c. Built with clang when it is there;
# `make check` runs each briefly from its seed corpus, `make fuzz FUZZ_SECONDS=600` longer.
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
FUZZ_NAMES := $(patsubst fuzz/fuzz_%.c,%,$(FUZZ_SRC))
FUZZ_BUILD := build/fuzz
FUZZ_SECONDS ?= 4
FUZZ_SAN    = address,undefined
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -Isdk/include -Ichain -Iidentity -Ieventbus $(PKG_CFLAGS) -MMD -MP
HAVE_CLANG := $(shell command -v clang >/dev/null 2>&1 && echo yes)

# The library's sources are compiled once, instrumented for the fuzzer, and every target links
# them: compiling them again for each target cost most of `make check`'s fuzz time.
FUZZ_LIB_SRC := $(SDK_SRC) $(CHAIN_SRC) $(IDENTITY_SRC) $(EVENTBUS_SRC)
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)

$(FUZZ_BUILD)/obj/%.o: %.c | deps
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c $< -o $@

$(FUZZ_BUILD)/libaccord-fuzz.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_BUILD)/libaccord-fuzz.a | deps
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $< $(FUZZ_BUILD)/libaccord-fuzz.a $(PKG_LIBS)

-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)

.PHONY: fuzz-smoke
ifeq ($(HAVE_CLANG),yes)
fuzz fuzz-smoke: $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz_%)
	@for n in $(FUZZ_NAMES); do \
	    mkdir -p $(FUZZ_BUILD)/corpus/$$n; \
	    seeds=""; [ -d fuzz/seeds/$$n ] && seeds=fuzz/seeds/$$n; \
	    echo "fuzz $$n: $(FUZZ_SECONDS)s"; \
	    $(FUZZ_BUILD)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
	        -artifact_prefix=$(FUZZ_BUILD)/ $(FUZZ_BUILD)/corpus/$$n $$seeds \
	        >$(FUZZ_BUILD)/$$n.log 2>&1 || { tail -40 $(FUZZ_BUILD)/$$n.log; exit 1; }; \
	    grep -ah 'Done [0-9]* runs' $(FUZZ_BUILD)/$$n.log || true; \
	done
else
fuzz fuzz-smoke:
	@echo "fuzz: clang is not installed, fuzz targets skipped"
endif
