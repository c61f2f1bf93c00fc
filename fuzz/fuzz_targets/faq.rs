#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kbsite::fuzz::faq(data));
