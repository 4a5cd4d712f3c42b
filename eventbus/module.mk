# accord-eventbus: its classes go into a library that the tests (and later the broker's main)
# link.
EVENTBUS_SRC := $(filter-out eventbus/main.c,$(wildcard eventbus/*.c))
EVENTBUS_OBJ := $(EVENTBUS_SRC:%.c=$(OBJ)/%.o)

$(LIB)/libaccord-eventbus.a: $(EVENTBUS_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

ALL_TARGETS += $(LIB)/libaccord-eventbus.a
