//! The contract between the WGSL in `shaders/` and the Rust that drives it,
//! checked without a GPU: naga parses and validates every shader, and each
//! kernel's `Spec` (entry points, workgroup size, bindings) and every
//! `#[repr(C)]` mirror (name, size, field names and offsets) must agree with
//! the WGSL. The numerics are `tests/gpu_engine.rs`'s.

use grokscope::engine::gpu::kernels::{Bind, Kernel, Layout, Matmul, Spec, MIRRORS, SPECS};
use grokscope::engine::gpu::MAX_MODELS;
use naga::{AddressSpace, Module, StorageAccess, TypeInner};
use std::path::Path;

/// The file every shader that binds `AdamScalars` starts with.
const PRELUDE: &str = "adam_scalars";

fn parse(what: &str, source: &str) -> Result<Module, String> {
    let module = naga::front::wgsl::parse_str(source).map_err(|e| e.emit_to_string(source))?;
    naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::default())
        .validate(&module)
        .map_err(|e| format!("{what}: invalid: {e:?}"))?;
    Ok(module)
}

fn disk(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders").join(format!("{file}.wgsl"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The WGSL struct named like `layout` must have its size and its fields, in
/// order, with the same names and byte offsets.
fn check_mirror(module: &Module, layout: &Layout) -> Result<(), String> {
    let (members, span) = module
        .types
        .iter()
        .find_map(|(_, t)| match &t.inner {
            TypeInner::Struct { members, span } if t.name.as_deref() == Some(layout.name) => Some((members, span)),
            _ => None,
        })
        .ok_or_else(|| format!("no WGSL struct {}", layout.name))?;
    let wgsl: Vec<(&str, usize)> =
        members.iter().map(|m| (m.name.as_deref().unwrap_or("?"), m.offset as usize)).collect();
    if wgsl != layout.fields || *span as usize != layout.size {
        return Err(format!(
            "{}: WGSL has {wgsl:?} in {span} bytes, Rust {:?} in {} bytes",
            layout.name, layout.fields, layout.size
        ));
    }
    Ok(())
}

/// The module's entry points, workgroup size and group-0 bindings must be
/// the spec's, and its uniform the spec's `Args`.
fn check_spec(module: &Module, spec: &Spec) -> Result<(), String> {
    let f = spec.file;
    let entries: Vec<&str> = module.entry_points.iter().map(|e| e.name.as_str()).collect();
    if entries != spec.entries {
        return Err(format!("{f}: entry points {entries:?}, Rust dispatches {:?}", spec.entries));
    }
    for e in &module.entry_points {
        if e.stage != naga::ShaderStage::Compute || e.workgroup_size != spec.workgroup {
            return Err(format!(
                "{f}::{}: {:?} {:?}, Rust says {:?}",
                e.name, e.stage, e.workgroup_size, spec.workgroup
            ));
        }
    }
    let mut bound: Vec<_> = module.global_variables.iter().filter_map(|(_, v)| Some((v.binding?, v))).collect();
    bound.sort_by_key(|(b, _)| (b.group, b.binding));
    if bound.len() != spec.binds.len() {
        return Err(format!("{f}: {} bindings in WGSL, {} in Rust", bound.len(), spec.binds.len()));
    }
    for (i, ((at, var), &(name, bind))) in bound.iter().zip(spec.binds).enumerate() {
        let mut ty = module.types[var.ty].name.as_deref();
        if bind == Bind::AdamScalars {
            // One AdamScalars per model of a batch.
            ty = match module.types[var.ty].inner {
                TypeInner::Array { base, size: naga::ArraySize::Constant(n), .. } if n.get() as usize == MAX_MODELS => {
                    module.types[base].name.as_deref()
                }
                _ => None,
            };
        }
        let want_ty = match bind {
            Bind::Args => Some(spec.args.name),
            Bind::AdamScalars => Some("AdamScalars"),
            Bind::Read | Bind::Write => None,
        };
        let space_ok = match (bind, var.space) {
            (Bind::Args | Bind::AdamScalars, AddressSpace::Uniform) => true,
            (Bind::Read, AddressSpace::Storage { access }) => access == StorageAccess::LOAD,
            (Bind::Write, AddressSpace::Storage { access }) => access == StorageAccess::LOAD | StorageAccess::STORE,
            _ => false,
        };
        let ty_ok = want_ty.is_none() || ty == want_ty;
        if (at.group, at.binding) != (0, i as u32) || var.name.as_deref() != Some(name) || !space_ok || !ty_ok {
            return Err(format!(
                "{f}: binding {i}: WGSL @group({}) @binding({}) var<{:?}> {:?}: {ty:?}, Rust {name}: {bind:?} {want_ty:?}",
                at.group, at.binding, var.space, var.name
            ));
        }
    }
    Ok(())
}

#[test]
fn every_shader_parses_validates_and_has_a_kernel() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wgsl"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut kernels: Vec<&str> = SPECS.iter().map(|s| s.file).chain([PRELUDE]).collect();
    kernels.sort();
    assert_eq!(files, kernels, "shaders/ against the kernels of engine::gpu::kernels (and the prelude)");
    parse(PRELUDE, &disk(PRELUDE)).unwrap();
    for spec in &SPECS {
        let file = disk(spec.file);
        let prelude =
            if spec.binds.iter().any(|&(_, b)| b == Bind::AdamScalars) { disk(PRELUDE) } else { String::new() };
        assert_eq!(spec.source, prelude + &file, "{}: compiled source is the file (after the prelude)", spec.file);
        parse(spec.file, spec.source).unwrap();
    }
}

#[test]
fn kernels_match_their_wgsl() {
    for spec in &SPECS {
        let module = parse(spec.file, spec.source).unwrap();
        check_spec(&module, spec).unwrap();
        check_mirror(&module, &spec.args).unwrap();
        assert!(MIRRORS.iter().any(|m| m.name == spec.args.name), "{} is in MIRRORS", spec.args.name);
    }
}

#[test]
fn every_mirror_matches_its_wgsl_struct() {
    let modules: Vec<Module> = [parse(PRELUDE, &disk(PRELUDE)).unwrap()]
        .into_iter()
        .chain(SPECS.iter().map(|s| parse(s.file, s.source).unwrap()))
        .collect();
    for layout in &MIRRORS {
        let found: Vec<_> = modules.iter().map(|m| check_mirror(m, layout)).collect();
        assert!(found.iter().any(|r| r.is_ok()), "{}: {found:?}", layout.name);
        // Where a module has a struct of that name, it is that layout.
        for e in found.iter().filter_map(|r| r.as_ref().err()) {
            assert!(e.starts_with("no WGSL struct"), "{e}");
        }
    }
}

#[test]
fn matmul_tile_is_the_wgsl_tile() {
    let module = parse("matmul", Matmul::SPEC.source).unwrap();
    let (_, tile) = module.constants.iter().find(|(_, c)| c.name.as_deref() == Some("TILE")).expect("const TILE");
    let want = naga::Expression::Literal(naga::Literal::U32(Matmul::TILE));
    assert_eq!(module.global_expressions[tile.init], want);
}

/// The checks can fail: a field on one side only, a moved field, a renamed
/// binding or another workgroup size is reported.
#[test]
fn mismatches_are_caught() {
    let spec = SPECS.iter().find(|s| s.file == "mask").unwrap();
    let extra = spec.source.replace("    models: u32,\n}", "    models: u32,\n    extra: u32,\n}");
    assert_ne!(extra, spec.source);
    assert!(check_mirror(&parse("mask+", &extra).unwrap(), &spec.args).is_err(), "a WGSL-only field");

    let module = parse("mask", spec.source).unwrap();
    let mut fields = spec.args.fields.to_vec();
    fields.push(("extra", spec.args.size));
    let rust_extra = Layout { fields: fields.leak(), size: spec.args.size + 4, ..spec.args };
    assert!(check_mirror(&module, &rust_extra).is_err(), "a Rust-only field");
    let swapped = Layout { fields: &[("hidden", 0), ("theta_len", 4), ("w2_offset", 8), ("models", 12)], ..spec.args };
    assert!(check_mirror(&module, &swapped).is_err(), "fields in another order");

    let renamed = spec.source.replace("var<storage, read> keep", "var<storage, read> kept").replace("keep[", "kept[");
    assert!(check_spec(&parse("mask", &renamed).unwrap(), spec).is_err(), "a renamed binding");
    let wide = spec.source.replace("@workgroup_size(256)", "@workgroup_size(128)");
    assert!(check_spec(&parse("mask", &wide).unwrap(), spec).is_err(), "another workgroup size");
    let written = spec.source.replace("var<storage, read> keep", "var<storage, read_write> keep");
    assert!(check_spec(&parse("mask", &written).unwrap(), spec).is_err(), "read-only in Rust, read_write in WGSL");
    check_spec(&module, spec).unwrap();
}

/// The grids cover their problems with the kernels' own workgroup sizes.
#[test]
fn grids_cover_the_work() {
    use grokscope::engine::gpu::kernels::{linear_grid, AdamW, AdamWArgs};
    for n in [1u32, 255, 256, 257, 65535 * 256, 65535 * 256 + 1, 40_000_000] {
        let [x, y, z] = AdamW::grids(&AdamWArgs { len: n, models: 1, ..Default::default() })[0];
        assert_eq!([x, y, z], linear_grid(n));
        // A batch repeats the grid along z, once per model.
        let batched = AdamW::grids(&AdamWArgs { len: n, models: 5, ..Default::default() })[0];
        assert_eq!(batched, [x, y, 5]);
        assert!(x <= 65535 && y <= 65535 && z == 1, "{n}: {x} {y}");
        let covered = (x * y) as u64 * 256;
        assert!(covered >= n as u64 && covered - (n as u64) < 65535 * 256, "{n}: {covered}");
    }
}
