//! shopwindow core.
