#![no_main]
//! libFuzzer entry point; the work is [`shopwindow_fuzz::campaigns`], shared with the corpus replay.

libfuzzer_sys::fuzz_target!(|data: &[u8]| shopwindow_fuzz::campaigns(data));
