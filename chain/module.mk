# accord-chain: everything but main.c goes into a library the tests link too.
CHAIN_SRC := $(filter-out chain/main.c,$(wildcard chain/*.c))
CHAIN_OBJ := $(CHAIN_SRC:%.c=$(OBJ)/%.o)

$(LIB)/libaccord-chain.a: $(CHAIN_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN)/accord-chain: $(OBJ)/chain/main.o $(LIB)/libaccord-chain.a $(LIB)/libaccord.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

ALL_TARGETS += $(LIB)/libaccord-chain.a $(BIN)/accord-chain
