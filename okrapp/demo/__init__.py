"""The demo organisation (Kaleva Systems Oy) loaded by `okrapp demo`, and synthetic companies for
benchmarks."""
