//! The index parser: any bytes give Ok / Newer / Damaged, never a panic; what parses survives
//! a rewrite unchanged (unknown fields included).
#![no_main]

use latchkey_core::index::{parse_bytes, Parsed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Parsed::Ok(index) = parse_bytes(data) {
        let again = serde_json::to_vec_pretty(&index).expect("a parsed index serialises");
        match parse_bytes(&again) {
            Parsed::Ok(back) => assert_eq!(back, index, "a rewrite changed the index"),
            other => panic!("a rewritten index does not parse: {other:?}"),
        }
    }
});
