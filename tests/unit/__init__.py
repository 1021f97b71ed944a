"""Fast unit tests of the pure panel core: no Flask, no network, no database."""
