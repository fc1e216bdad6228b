//! Issue 29, item 11: `dist/faq.jsonld` kept a raw `</script>` from the text it is made of,
//! which `head.html` escapes; a page that pastes the file into a `<script type="application/ld+json">` would be
//! cut there. The file is now script-safe JSON that reads back to the same label.

mod common;

use whichpy_render::outputs::FAQ_JSONLD;
use whichpy_render::render_all;

#[test]
fn faq_jsonld_has_no_raw_script_end_and_reads_back_the_same() {
    let summary = common::fixture("pypy-faster.json");
    let evil = "Is PyPy </script><script>alert(1)</script> <!-- x faster?";
    let mut content = common::content();
    content.faq[0].question = evil.into();
    let rendered = render_all(&summary, &content).expect("renders");
    let faq = &rendered.files[FAQ_JSONLD];
    let v: serde_json::Value = serde_json::from_str(faq).unwrap();
    assert!(
        v.to_string().contains("</script><script>alert(1)"),
        "the label is in the FAQ"
    );
    assert!(!faq.contains("</"), "{faq}");
    assert!(!faq.contains("<!--"), "{faq}");
}
