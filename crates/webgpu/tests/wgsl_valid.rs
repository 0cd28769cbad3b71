//! Every WGSL module the browser may compile, parsed and validated natively with naga, so a
//! shader error fails `cargo test` without a browser or a GPU.
#![cfg(not(target_arch = "wasm32"))]

use naga::valid::{Capabilities, ValidationFlags, Validator};
use shopwindow_webgpu::shaders;

/// What every WebGPU implementation offers without optional features. naga gates
/// `unpack2x16float` behind a capability because some of its native back ends lack it;
/// in WGSL it is a core built-in. Nothing optional (shader-f16, subgroups) is granted.
fn webgpu_core() -> Capabilities {
    Capabilities::SHADER_FLOAT16_IN_FLOAT32
}

#[test]
fn every_wgsl_module_parses_and_validates() {
    let modules = shaders::all_modules();
    assert_eq!(modules.len(), 4, "f32, f16, i8 packed, i8 unpacked");
    for (name, source) in modules {
        let module = naga::front::wgsl::parse_str(&source)
            .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(&source)));
        Validator::new(ValidationFlags::all(), webgpu_core())
            .validate(&module)
            .unwrap_or_else(|e| panic!("{name}: {}", e.emit_to_string(&source)));
        let entry = module
            .entry_points
            .iter()
            .find(|e| e.name == "main")
            .unwrap_or_else(|| panic!("{name}: no `main` entry point"));
        assert_eq!(entry.workgroup_size, [256, 1, 1], "{name}");
    }
}

#[test]
fn the_int8_variants_differ_only_in_the_lane_product() {
    let packed = shaders::module(shopwindow::VectorDtype::I8, shaders::I8Dot::Packed);
    let unpacked = shaders::module(shopwindow::VectorDtype::I8, shaders::I8Dot::Unpacked);
    assert!(packed.contains("dot4I8Packed"));
    assert!(!unpacked.contains("dot4I8Packed("));
}

#[test]
fn f32_and_f16_share_one_kernel_and_differ_only_in_the_element_load() {
    let f32_module = shaders::module(shopwindow::VectorDtype::F32, shaders::I8Dot::Packed);
    let f16_module = shaders::module(shopwindow::VectorDtype::F16, shaders::I8Dot::Packed);
    assert!(f32_module.contains(shaders::SCORE_FLOAT));
    assert_eq!(
        f32_module.replace(shaders::LOAD_F32, shaders::LOAD_F16),
        f16_module
    );
}
