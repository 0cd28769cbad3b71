//! WebAssembly façade.
