//! Writes the starting inputs of the fuzz targets that need well-formed files to get
//! anywhere (catalogs, campaign definitions with stored state). Run on demand:
//! `SHOPWINDOW_FUZZ_SEEDS=DIR cargo test --manifest-path fuzz/Cargo.toml --test seeds`.

use std::fs;
use std::path::Path;

use shopwindow::catalog::VectorDtype;
use shopwindow_fuzz::{DEFINITIONS, SEPARATOR};
use shopwindow_testkit::fixtures::{self, HybridFixture};
use shopwindow_web_campaigns::session::{CampaignSession, ChooseContext};

#[test]
fn write_seeds() {
    let Some(dir) = std::env::var_os("SHOPWINDOW_FUZZ_SEEDS") else {
        return;
    };
    let dir = Path::new(&dir);
    let write = |target: &str, name: &str, bytes: &[u8]| {
        fs::create_dir_all(dir.join(target)).unwrap();
        fs::write(dir.join(target).join(name), bytes).unwrap();
    };
    for dtype in [VectorDtype::F32, VectorDtype::F16, VectorDtype::I8] {
        write("catalog", dtype.as_str(), &fixtures::golden_catalog(dtype));
    }
    write(
        "catalog",
        "segments",
        &fixtures::golden_rfm_segment_catalog(),
    );
    write(
        "catalog",
        "hybrid",
        &fixtures::golden_hybrid_catalog(HybridFixture::Linear),
    );

    let mut session = CampaignSession::new(DEFINITIONS, None).unwrap();
    for (i, id) in ["home-banner", "greedy", "linucb"].into_iter().enumerate() {
        let context = ChooseContext {
            page: Some("home".into()),
            user: (id == "linucb").then(|| Some(vec![0.5, -0.25, 0.125, 1.0])),
            ..Default::default()
        };
        let d = session
            .choose_with(id, context, None, 1.8e12, i as u64)
            .unwrap();
        session.reward(id, &d.variant, 1.0).unwrap();
        let _ = session.privacy_report(id, 7);
    }
    let state = session.state_json();
    write("policy_state", "learned", state.as_bytes());
    write("policy_state", "empty", b"");
    let demo = include_str!("../../www/demo/campaigns.json");
    let mut input = DEFINITIONS.as_bytes().to_vec();
    input.push(SEPARATOR);
    input.extend_from_slice(state.as_bytes());
    input.push(SEPARATOR);
    input.extend_from_slice(br#"{"page":"home","segment":1,"rfm":{"r":1,"f":2,"m":3}}"#);
    write("campaigns", "definitions-state-context", &input);
    write("campaigns", "demo", demo.as_bytes());
}
