# Accord: one make for the whole tree. Each folder adds its part through module.mk.
# Targets: all check demo bench asan memcheck fuzz clean.

BUILD    ?= build
CC       ?= cc
OPT      ?= -O2
SAN      ?=
PKGS     := libczmq libzmq libsecp256k1 libcrypto json-c hiredis lmdb zlib
# Lazy (=) so pkg-config runs after `deps` has installed what is missing.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -lpthread
CHECK_LIBS = $(shell pkg-config --libs check)
# -Wno-format-truncation: paths are composed with snprintf, which truncates safely; GCC's
# guess at what could be truncated fires on every folder + file name.
CFLAGS   = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-format-truncation -g $(OPT) $(SAN) \
           -Isdk/include -Ichain $(PKG_CFLAGS) -MMD -MP
LDFLAGS  = $(SAN)

OBJ := $(BUILD)/obj
BIN := $(BUILD)/bin
LIB := $(BUILD)/lib

.PHONY: all deps check test demo bench bench-chain bench-identity bench-eventbus asan memcheck fuzz clean
all: deps

deps:
	@scripts/install-deps.sh

$(OBJ)/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

include sdk/module.mk
include chain/module.mk
include identity/module.mk
include eventbus/module.mk
include tests/module.mk
include fuzz/module.mk
include bench/module.mk

all: $(ALL_TARGETS)

check: all
	$(MAKE) --no-print-directory test
	$(MAKE) --no-print-directory fuzz-smoke

asan:
	$(MAKE) --no-print-directory BUILD=build/asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" test

memcheck: all
	ACCORD_UNDER_VALGRIND=1 ACCORD_STORE_MAP_MB=256 CK_FORK=no valgrind --error-exitcode=1 --leak-check=full \
	    --errors-for-leak-kinds=definite $(BIN)/accord-tests unit

demo: all
	scripts/demo.sh $(BIN)

bench: bench-chain bench-identity bench-eventbus

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
