#include <stdio.h>
int main (void) { puts ("accord: not yet"); return 1; }
