# One Check runner for every suite. Each tests/test_NAME.c defines `Suite *test_NAME_suite (void)`;
# the list of suites is generated from the file names, so a new suite is a new file.
TEST_SRC := $(wildcard tests/test_*.c)
TEST_OBJ := $(TEST_SRC:%.c=$(OBJ)/%.o) $(OBJ)/tests/runner.o $(OBJ)/tests/testutil.o $(OBJ)/tests/chainfx.o $(OBJ)/tests/clusterfx.o $(OBJ)/tests/redisfx.o
TEST_NAMES := $(patsubst tests/test_%.c,%,$(TEST_SRC))

$(BUILD)/gen/suites.h: $(TEST_SRC) tests/module.mk
	@mkdir -p $(dir $@)
	@printf '%s\n' $(foreach n,$(TEST_NAMES),"SUITE($(n))") > $@

$(OBJ)/tests/runner.o: $(BUILD)/gen/suites.h
$(OBJ)/tests/%.o: CFLAGS += -I$(BUILD)/gen -Itests -Ieventbus

$(BIN)/accord-tests: $(TEST_OBJ) $(LIB)/libaccord-eventbus.a $(LIB)/libaccord-chain.a $(LIB)/libaccord.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS)

ALL_TARGETS += $(BIN)/accord-tests

# `make test` runs every suite; TESTS=name,name runs some; unit only: `accord-tests unit`.
test: all
	ACCORD_BIN=$(abspath $(BIN)) $(BIN)/accord-tests $(TESTS)
