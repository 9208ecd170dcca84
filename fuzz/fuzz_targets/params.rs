#![no_main]
//! Any text given as a pyradiomics parameter file gives settings or an error, never a panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(p) = radiomics::Params::from_yaml_str(s) {
            let _ = p.check_supported();
            let _ = p.settings.python_repr();
        }
    }
});
