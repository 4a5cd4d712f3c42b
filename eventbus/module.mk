# accord-eventbus: everything but main.c goes into a library the tests and fuzz targets link.
EVENTBUS_SRC := $(filter-out eventbus/main.c,$(wildcard eventbus/*.c))
EVENTBUS_OBJ := $(EVENTBUS_SRC:%.c=$(OBJ)/%.o)

$(LIB)/libaccord-eventbus.a: $(EVENTBUS_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN)/accord-eventbus: $(OBJ)/eventbus/main.o $(LIB)/libaccord-eventbus.a $(LIB)/libaccord.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

ALL_TARGETS += $(LIB)/libaccord-eventbus.a $(BIN)/accord-eventbus
