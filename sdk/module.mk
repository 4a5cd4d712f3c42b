# libaccord (every service and tool links it) and the `accord` command-line tool.
SDK_SRC := $(wildcard sdk/src/*.c)
SDK_OBJ := $(SDK_SRC:%.c=$(OBJ)/%.o)
CLI_SRC := $(wildcard sdk/cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(OBJ)/%.o)

$(LIB)/libaccord.a: $(SDK_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN)/accord: $(CLI_OBJ) $(LIB)/libaccord.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

ALL_TARGETS += $(LIB)/libaccord.a $(BIN)/accord
