//! Vectors for items nobody has interacted with yet, from their content.
//!
//! Collaborative training gives a vector only to items with interactions. Here a ridge map
//! from content features (`features.rs`: hashed words, word pairs and character 3-grams of
//! title and description, category, brand, price band) to the trained factors is fitted on
//! the items that have both (`ridge.rs`, λ chosen on a held-out tenth of them), and every
//! item of the items file without interactions gets the mapped vector, in the same space,
//! so the fold-in and scoring are unchanged. Items with interactions keep their trained
//! vectors.
//!
//! The map predicts an offset from the mean factor. A content-derived item gets that offset
//! added to the mean factor of the least-bought tenth of the trained items instead of the
//! overall mean: a new product starts out scoring like a rarely bought one, so it does not
//! crowd proven products out of lists by the popularity the overall mean carries. (Among
//! content-derived items the choice of base changes no ranking: it adds the same amount
//! to every one of them for a given shopper.)
//!
//! All content-derived vectors are then multiplied by one exposure scale, by default
//! chosen on the store's own shoppers so that new products take at most 1% of list places
//! (`scale.rs`).

pub mod features;
pub mod given;
pub mod ridge;
pub mod scale;

use std::collections::BTreeMap;
use std::time::Instant;

use std::collections::HashMap;

use anyhow::Result;

use crate::data::{ItemInfo, ItemTable};
use features::{featurize_with, FeatureMatrix, HASH_DIM};
use ridge::{choose_and_fit, RidgeMap};
pub use scale::{FoldIn, ScaleSetting};

/// Share of the trained items, least bought first, whose mean factor is the base of a
/// content-derived vector.
pub const BASE_SHARE: f64 = 0.1;

/// Dense content vectors made elsewhere (image or text embeddings), by item id; every one
/// of the same length.
pub type GivenVectors = HashMap<String, Vec<f32>>;

/// The items to give content-derived vectors, and how.
#[derive(Debug, Clone)]
pub struct NewItems {
    /// Ids without interactions (an items file's, in its order).
    pub ids: Vec<String>,
    /// Extra content for any item, trained or new.
    pub given: GivenVectors,
    /// Multiplies every content-derived vector: the store's exposure policy for new
    /// products, given (> 0; 1: the map's prediction as is) or chosen on the training data
    /// (`auto`, the default; `scale.rs`). It changes no ranking among them (a shopper's
    /// scores of all of them scale alike), only how often they enter lists next to trained
    /// products: smaller, fewer new products and fewer proven ones pushed out
    /// (BENCHMARKS.md, "Cold start", measures the trade).
    pub scale: ScaleSetting,
}

impl Default for NewItems {
    fn default() -> NewItems {
        NewItems::plain(Vec::new())
    }
}

impl NewItems {
    /// `ids` with no given vectors at the default scale (`auto`).
    pub fn plain(ids: Vec<String>) -> NewItems {
        NewItems {
            ids,
            given: GivenVectors::new(),
            scale: ScaleSetting::Auto,
        }
    }
}

/// The trained items, the content-derived ones after them, and how they were made.
#[derive(Debug, Clone)]
pub struct Extended {
    pub ids: Vec<String>,
    /// Row-major, `ids.len()` × dim.
    pub vectors: Vec<f32>,
    /// The trained items' popularity, 0 for content-derived ones.
    pub popularity: Vec<f32>,
    /// How many items at the end are content-derived.
    pub content_items: usize,
    pub report: Option<ContentReport>,
}

impl Extended {
    /// `content.items` and the fit's report, for the catalog's metadata (none without
    /// content-derived items).
    pub fn metadata(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        if let Some(report) = &self.report {
            out.insert("content.items".to_string(), self.content_items.to_string());
            out.extend(report.metadata());
        }
        out
    }

    /// The exposure scale of the content-derived vectors and why (none without them).
    pub fn scale_line(&self) -> Option<String> {
        self.report.as_ref().map(|r| {
            format!(
                "content-derived vectors: {} items, map fitted in {:.2} s, scale {} in {:.2} s ({})",
                self.content_items, r.seconds, r.scale, r.scale_seconds, r.scale_rule
            )
        })
    }
}

/// What the content map was fitted with.
#[derive(Debug, Clone)]
pub struct ContentReport {
    pub lambda: f32,
    pub validation: Vec<(f32, f64)>,
    /// Trained items with some content (the map's training rows).
    pub fitted_on: usize,
    /// Content-derived items with no content at all: they get the base vector.
    pub without_content: usize,
    pub seconds: f64,
    /// The exposure scale the vectors were multiplied by.
    pub scale: f32,
    /// How it was chosen (`scale.rs`), and in how long.
    pub scale_rule: String,
    pub scale_seconds: f64,
    /// Featurized items (trained and new) with a given vector.
    pub given: usize,
}

impl ContentReport {
    /// The `content.*` catalog metadata (besides `content.items`).
    pub fn metadata(&self) -> BTreeMap<String, String> {
        let grid = self
            .validation
            .iter()
            .map(|(l, e)| format!("{l}:{e:.5}"))
            .collect::<Vec<_>>()
            .join(" ");
        BTreeMap::from([
            ("content.lambda".to_string(), self.lambda.to_string()),
            (
                "content.features".to_string(),
                format!(
                    "hashed words, word pairs, char 3-grams of title+description, category, \
                     brand, price band; {HASH_DIM} columns"
                ),
            ),
            ("content.fitted_on".to_string(), self.fitted_on.to_string()),
            ("content.scale".to_string(), self.scale.to_string()),
            ("content.scale_rule".to_string(), self.scale_rule.clone()),
            ("content.given_vectors".to_string(), self.given.to_string()),
            ("content.validation_mse".to_string(), grid),
        ])
    }
}

/// The content map fitted on trained items, and the feature rows of every item it knows.
pub struct ContentModel {
    pub features: FeatureMatrix,
    pub map: RidgeMap,
    /// Base factor of a content-derived vector (see the module docs).
    pub base: Vec<f32>,
    pub report: ContentReport,
}

impl ContentModel {
    /// Fits the map on `trained` (ids, vectors `dim` wide, popularity) and featurizes them
    /// and `cold` (ids without interactions) from `items` and `given`. Trained items with
    /// no content are not training rows.
    #[allow(clippy::too_many_arguments)]
    pub fn fit(
        trained: &[String],
        vectors: &[f32],
        dim: usize,
        popularity: &[f32],
        cold: &[String],
        items: &ItemTable,
        given: &GivenVectors,
        seed: u64,
    ) -> ContentModel {
        let start = Instant::now();
        let missing = ItemInfo::default();
        let infos: Vec<&ItemInfo> = trained
            .iter()
            .chain(cold)
            .map(|id| items.get(id).unwrap_or(&missing))
            .collect();
        let dense: Vec<Option<&[f32]>> = trained
            .iter()
            .chain(cold)
            .map(|id| given.get(id).map(Vec::as_slice))
            .collect();
        let features = featurize_with(&infos, &dense);
        let rows: Vec<usize> = (0..trained.len())
            .filter(|&i| !features.is_empty_row(i))
            .collect();
        let y: Vec<f32> = rows
            .iter()
            .flat_map(|&i| vectors[i * dim..(i + 1) * dim].iter().copied())
            .collect();
        let chosen = choose_and_fit(&features, &rows, &y, dim, seed);
        let base = least_bought_mean(vectors, dim, popularity);
        let without_content = (trained.len()..trained.len() + cold.len())
            .filter(|&i| features.is_empty_row(i))
            .count();
        ContentModel {
            report: ContentReport {
                lambda: chosen.map.lambda,
                validation: chosen.validation,
                fitted_on: rows.len(),
                without_content,
                seconds: start.elapsed().as_secs_f64(),
                scale: 1.0,
                scale_rule: String::new(),
                scale_seconds: 0.0,
                given: dense.iter().filter(|d| d.is_some()).count(),
            },
            features,
            map: chosen.map,
            base,
        }
    }

    /// The content-derived vector of feature row `i`, times `scale` ([`NewItems::scale`]).
    pub fn vector(&self, i: usize, scale: f32) -> Vec<f32> {
        let mut v = self.map.offset(&self.features, i);
        v.iter_mut()
            .zip(&self.base)
            .for_each(|(v, b)| *v = (*v + b) * scale);
        v
    }

    /// The unscaled vectors of feature rows `from..from + count`, row-major.
    pub fn vectors(&self, from: usize, count: usize) -> Vec<f32> {
        (from..from + count)
            .flat_map(|i| self.vector(i, 1.0))
            .collect()
    }
}

/// Mean factor row of the [`BASE_SHARE`] least popular items (at least one).
fn least_bought_mean(vectors: &[f32], dim: usize, popularity: &[f32]) -> Vec<f32> {
    let n = popularity.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| popularity[a].total_cmp(&popularity[b]).then(a.cmp(&b)));
    let take = ((n as f64 * BASE_SHARE).ceil() as usize).clamp(1.min(n), n);
    let mut mean = vec![0.0f64; dim];
    for &i in &order[..take] {
        mean.iter_mut()
            .zip(&vectors[i * dim..(i + 1) * dim])
            .for_each(|(m, &v)| *m += f64::from(v));
    }
    mean.iter()
        .map(|m| (m / take.max(1) as f64) as f32)
        .collect()
}

/// The trained items followed by `new.ids` with content-derived vectors; no new ids: the
/// trained items as they are. `fold` (the training matrix and model settings) is where
/// `auto` samples its shoppers; without it `auto` is 1.
#[allow(clippy::too_many_arguments)]
pub fn extend(
    trained: &[String],
    vectors: &[f32],
    dim: usize,
    popularity: &[f32],
    items: &ItemTable,
    new: &NewItems,
    fold: Option<FoldIn<'_>>,
    seed: u64,
) -> Result<Extended> {
    let cold = &new.ids;
    let mut out = Extended {
        ids: trained.to_vec(),
        vectors: vectors.to_vec(),
        popularity: popularity.to_vec(),
        content_items: 0,
        report: None,
    };
    if cold.is_empty() || trained.is_empty() {
        return Ok(out);
    }
    let model = ContentModel::fit(
        trained, vectors, dim, popularity, cold, items, &new.given, seed,
    );
    let unscaled = model.vectors(trained.len(), cold.len());
    let chosen_at = Instant::now();
    let choice = scale::resolve(new.scale, vectors, &unscaled, dim, fold, seed)?;
    let scale_seconds = chosen_at.elapsed().as_secs_f64();
    out.ids.extend(cold.iter().cloned());
    out.vectors
        .extend(unscaled.iter().map(|v| v * choice.scale));
    out.popularity.resize(out.ids.len(), 0.0);
    out.content_items = cold.len();
    let mut report = model.report;
    report.scale = choice.scale;
    report.scale_rule = choice.rule;
    report.scale_seconds = scale_seconds;
    out.report = Some(report);
    Ok(out)
}

/// The ids of `order` (an items file's ids, in its order) that `trained` lacks.
pub fn cold_ids(order: &[String], trained: &crate::data::IdMap) -> Vec<String> {
    order
        .iter()
        .filter(|id| trained.get(id).is_none())
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titled(title: &str) -> ItemInfo {
        ItemInfo {
            title: Some(title.into()),
            ..ItemInfo::default()
        }
    }

    #[test]
    fn new_items_land_near_trained_items_with_the_same_words() {
        // Two families of trained items, along two axes; a new item of each family.
        let mut items = ItemTable::new();
        let mut trained = Vec::new();
        let mut vectors = Vec::new();
        for i in 0..30 {
            let (title, v) = if i % 2 == 0 {
                (format!("red wool scarf {i}"), [1.0, 0.0])
            } else {
                (format!("ceramic coffee mug {i}"), [0.0, 1.0])
            };
            items.insert(format!("t{i}"), titled(&title));
            trained.push(format!("t{i}"));
            vectors.extend(v);
        }
        items.insert("new-scarf".into(), titled("blue wool scarf"));
        items.insert("new-mug".into(), titled("coffee mug, large"));
        let popularity: Vec<f32> = (0..30).map(|i| i as f32).collect();
        let cold = vec![
            "new-scarf".to_string(),
            "new-mug".to_string(),
            "bare".into(),
        ];
        let out = extend(
            &trained,
            &vectors,
            2,
            &popularity,
            &items,
            &NewItems::plain(cold.clone()),
            None,
            3,
        )
        .unwrap();
        assert_eq!(out.ids.len(), 33);
        assert_eq!(out.content_items, 3);
        assert_eq!(
            &out.vectors[..60],
            &vectors[..],
            "trained vectors unchanged"
        );
        assert_eq!(&out.popularity[30..], &[0.0, 0.0, 0.0]);
        let scarf = &out.vectors[60..62];
        let mug = &out.vectors[62..64];
        // Both start from the same base; their offsets point to their families.
        assert!(scarf[0] > mug[0] + 0.3, "scarf {scarf:?}, mug {mug:?}");
        assert!(mug[1] > scarf[1] + 0.3, "scarf {scarf:?}, mug {mug:?}");
        // No content: the base (the least-bought tenth's mean: items 0..3, 2 scarves, 1 mug).
        let bare = &out.vectors[64..66];
        assert!((bare[0] - 2.0 / 3.0).abs() < 1e-5 && (bare[1] - 1.0 / 3.0).abs() < 1e-5);
        // The exposure scale multiplies the content-derived vectors only.
        let half = extend(
            &trained,
            &vectors,
            2,
            &popularity,
            &items,
            &NewItems {
                scale: ScaleSetting::Fixed(0.5),
                ..NewItems::plain(cold.clone())
            },
            None,
            3,
        )
        .unwrap();
        assert_eq!(&half.vectors[..60], &vectors[..]);
        for (h, o) in half.vectors[60..].iter().zip(&out.vectors[60..]) {
            assert!((h - 0.5 * o).abs() < 1e-6);
        }
        let report = out.report.unwrap();
        assert_eq!((report.fitted_on, report.without_content), (30, 1));
        assert!(report.metadata().contains_key("content.lambda"));
    }

    #[test]
    fn given_vectors_alone_place_new_items() {
        // No text at all: the given vectors carry the families.
        let mut given = GivenVectors::new();
        let mut trained = Vec::new();
        let mut vectors = Vec::new();
        for i in 0..30 {
            let family = i % 2;
            trained.push(format!("t{i}"));
            vectors.extend(if family == 0 { [1.0, 0.0] } else { [0.0, 1.0] });
            let wobble = (i % 5) as f32 * 0.1;
            given.insert(
                format!("t{i}"),
                if family == 0 {
                    vec![1.0, wobble, 0.0]
                } else {
                    vec![0.0, wobble, 1.0]
                },
            );
        }
        given.insert("new0".into(), vec![1.0, 0.2, 0.0]);
        given.insert("new1".into(), vec![0.0, 0.2, 1.0]);
        let popularity = vec![1.0; 30];
        let new = NewItems {
            given,
            ..NewItems::plain(vec!["new0".into(), "new1".into()])
        };
        let out = extend(
            &trained,
            &vectors,
            2,
            &popularity,
            &ItemTable::new(),
            &new,
            None,
            3,
        )
        .unwrap();
        let (a, b) = (&out.vectors[60..62], &out.vectors[62..64]);
        assert!(a[0] > b[0] + 0.3 && b[1] > a[1] + 0.3, "{a:?} {b:?}");
        assert_eq!(out.report.unwrap().fitted_on, 30);
    }

    #[test]
    fn without_cold_items_nothing_changes() {
        let out = extend(
            &["a".into()],
            &[1.0, 2.0],
            2,
            &[1.0],
            &ItemTable::new(),
            &NewItems::default(),
            None,
            1,
        )
        .unwrap();
        assert_eq!((out.ids.len(), out.content_items), (1, 0));
        assert!(out.report.is_none());
    }
}
