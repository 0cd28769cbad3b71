//! The popular-items preview: a small JSON file written beside a catalog, holding the list a
//! first-time shopper gets (the engine's answer to an empty history) with what a storefront
//! needs to draw the cards. A page renders it before the engine and the catalog have
//! arrived, then replaces it with the engine's own list, which has the same items.

use anyhow::{Context, Result};
use serde_json::{json, Value};
use shopwindow::recommend::HistoryExclusion;
use shopwindow::{Catalog, RecommendOptions, Recommender};

/// How many items the demo's first grid shows; also the preview's default length.
pub const DEFAULT_PREVIEW_ITEMS: usize = 24;

/// The preview of the catalog in `bytes`: its `k` most popular items, ranked by the core's
/// cold-start path exactly as `shop.popular({ k })` ranks them in the browser.
pub fn popular_preview(bytes: &[u8], k: usize) -> Result<String> {
    let catalog = Catalog::from_bytes(bytes.to_vec()).context("reading the catalog")?;
    let engine = Recommender::new(catalog);
    let options = RecommendOptions {
        k: k.min(engine.catalog().len()).max(1),
        exclude_history: HistoryExclusion::None,
        ..RecommendOptions::default()
    };
    let list = engine
        .recommend(&[], &options)
        .context("ranking the popular items")?;
    let catalog = engine.catalog();
    let items: Vec<Value> = list
        .items
        .iter()
        .map(|scored| item(catalog, scored.index as usize, scored.score))
        .collect();
    let preview = json!({
        "format": "shopwindow-popular",
        "version": 1,
        "items": items,
    });
    Ok(serde_json::to_string(&preview)? + "\n")
}

/// Writes the preview of the catalog `bytes` to `path`, when one is asked for.
pub fn write_if_asked(path: Option<&std::path::Path>, bytes: &[u8]) -> Result<()> {
    let Some(path) = path else {
        return Ok(());
    };
    let preview = popular_preview(bytes, DEFAULT_PREVIEW_ITEMS)?;
    std::fs::write(path, preview).with_context(|| format!("writing {}", path.display()))
}

/// One item with the fields (and names) the browser's engine gives it.
fn item(catalog: &Catalog, i: usize, score: f32) -> Value {
    let mut fields = serde_json::Map::new();
    fields.insert("id".into(), catalog.id(i).into());
    fields.insert("score".into(), score.into());
    if let Some(title) = catalog.title(i) {
        fields.insert("title".into(), title.into());
    }
    if let Some(name) = catalog.category(i).and_then(|c| catalog.category_name(c)) {
        fields.insert("category".into(), name.into());
    }
    if let Some(prices) = catalog.prices() {
        fields.insert("price".into(), prices[i].into());
    }
    if let Some(url) = catalog.image_url(i).filter(|url| !url.is_empty()) {
        fields.insert("imageUrl".into(), url.into());
    }
    let available = catalog.availability().is_none_or(|a| a[i] != 0);
    fields.insert("available".into(), available.into());
    Value::Object(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shopwindow::{CatalogBuilder, ItemRecord};

    #[test]
    fn lists_the_most_popular_items_with_their_display_fields() {
        let mut builder = CatalogBuilder::new(2);
        for (id, popularity) in [("a", 1.0), ("b", 9.0), ("c", 5.0)] {
            let item = ItemRecord {
                title: Some(format!("Item {id}")),
                popularity,
                ..ItemRecord::new(id)
            };
            builder.push(item, &[1.0, 0.0]).unwrap();
        }
        let bytes = builder.to_bytes().unwrap();
        let preview: Value = serde_json::from_str(&popular_preview(&bytes, 2).unwrap()).unwrap();
        assert_eq!(preview["format"], "shopwindow-popular");
        let items = preview["items"].as_array().unwrap();
        let ids: Vec<_> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["b", "c"]);
        assert_eq!(items[0]["title"], "Item b");
        assert_eq!(items[0]["available"], true);
    }
}
