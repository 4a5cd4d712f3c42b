#include <stdio.h>
int main (void) { puts ("accord-chain: not yet"); return 1; }
