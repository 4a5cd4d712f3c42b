# accord-identity: everything but main.c goes into a library the fuzz targets use too.
IDENTITY_SRC := $(filter-out identity/main.c,$(wildcard identity/*.c))
IDENTITY_OBJ := $(IDENTITY_SRC:%.c=$(OBJ)/%.o)

$(LIB)/libaccord-identity.a: $(IDENTITY_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN)/accord-identity: $(OBJ)/identity/main.o $(LIB)/libaccord-identity.a $(LIB)/libaccord.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

ALL_TARGETS += $(LIB)/libaccord-identity.a $(BIN)/accord-identity
