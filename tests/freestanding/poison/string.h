// Poisoned for the freestanding core build: core/ must not depend on an OS or hosted
// library header. Time, randomness and I/O come through the port contract.
#error "<string.h> is not allowed in core/ (freestanding: use the port contract instead)"
