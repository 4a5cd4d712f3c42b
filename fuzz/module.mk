# libFuzzer targets, one per decoder: fuzz/fuzz_NAME.c. Built with clang when it is there;
# `make check` runs each briefly from its seed corpus, `make fuzz FUZZ_SECONDS=600` longer.
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
FUZZ_NAMES := $(patsubst fuzz/fuzz_%.c,%,$(FUZZ_SRC))
FUZZ_BUILD := build/fuzz
FUZZ_SECONDS ?= 4
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
              -Isdk/include -Ichain -Iidentity $(PKG_CFLAGS)
HAVE_CLANG := $(shell command -v clang >/dev/null 2>&1 && echo yes)

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(SDK_SRC) $(CHAIN_SRC) $(IDENTITY_SRC) | deps
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(SDK_SRC) $(CHAIN_SRC) $(IDENTITY_SRC) $(PKG_LIBS)

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
