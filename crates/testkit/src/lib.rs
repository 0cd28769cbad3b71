//! Fixtures shared by the native and browser test suites.
