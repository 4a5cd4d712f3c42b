# Benchmarks: `make bench` runs each; bench/bench_NAME.c is one program linked with libaccord.
# bench-chain: 4 validators on loopback, see bench/bench_chain.c and README.md (Benchmarks).
$(BIN)/bench-chain: $(OBJ)/bench/bench_chain.o $(LIB)/libaccord.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

ALL_TARGETS += $(BIN)/bench-chain

bench-chain: all
	ACCORD_BIN=$(abspath $(BIN)) $(BIN)/bench-chain
