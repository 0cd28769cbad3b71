//! An item's content as a sparse vector: hashed tokens of its title, description, category,
//! brand, tags and price band.
//!
//! | feature | token |
//! |---|---|
//! | word of title / description (lower-case runs of letters and digits) | `w:word` |
//! | consecutive word pair | `b:word1 word2` |
//! | character 3-gram of a word padded with `#` (`#mu`, `mug`, `ug#`) | `c:mug` |
//! | category (whole name, lower case) | `k:name` |
//! | brand (whole name, lower case) | `m:name` |
//! | tag (each of the items file's `a|b|c`, lower case) | `t:tag` |
//! | price band: ⌊2·log2(1 + price)⌋ (9 and 10 share one, 10 and 40 do not) | `p:band` |
//!
//! Each token is hashed with 64-bit FNV-1a into [`HASH_DIM`] = 2^16 columns; one more bit of
//! the hash gives the value's sign, so colliding tokens cancel on average instead of adding
//! up. The counts are weighted by inverse document frequency over the featurized
//! items (`ln((1 + N) / (1 + df)) + 1`, known from the items file alone, no interactions)
//! and each item's vector is scaled to unit length. An item with no content is the zero
//! vector. The hash is fixed: the same text gives the same columns on every machine and
//! in every version that keeps this table.

use std::collections::HashMap;

use crate::data::ItemInfo;

/// Number of hashed feature columns (2^16).
pub const HASH_DIM: usize = 1 << 16;

/// Weight of a character 3-gram relative to a word: there are several per word, and they
/// are there to catch spelling variants and compounds, not to outvote whole words.
const TRIGRAM_WEIGHT: f32 = 0.5;

/// 64-bit FNV-1a of a token.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A token's column and sign.
pub fn hash_token(token: &str) -> (u32, f32) {
    let h = fnv1a(token.as_bytes());
    let column = (h % HASH_DIM as u64) as u32;
    let sign = if (h >> 63) == 1 { -1.0 } else { 1.0 };
    (column, sign)
}

/// Lower-case runs of letters and digits.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// The item's tokens with their raw weights (before IDF and normalization).
pub fn tokens(info: &ItemInfo) -> Vec<(String, f32)> {
    let mut out = Vec::new();
    for text in [&info.title, &info.description].into_iter().flatten() {
        let list: Vec<String> = words(text).collect();
        for (i, w) in list.iter().enumerate() {
            out.push((format!("w:{w}"), 1.0));
            if let Some(next) = list.get(i + 1) {
                out.push((format!("b:{w} {next}"), 1.0));
            }
            let padded: Vec<char> = std::iter::once('#')
                .chain(w.chars())
                .chain(std::iter::once('#'))
                .collect();
            for gram in padded.windows(3) {
                out.push((
                    format!("c:{}", gram.iter().collect::<String>()),
                    TRIGRAM_WEIGHT,
                ));
            }
        }
    }
    if let Some(category) = &info.category {
        out.push((format!("k:{}", category.trim().to_lowercase()), 1.0));
    }
    if let Some(brand) = &info.brand {
        out.push((format!("m:{}", brand.trim().to_lowercase()), 1.0));
    }
    for tag in &info.tags {
        out.push((format!("t:{}", tag.trim().to_lowercase()), 1.0));
    }
    if let Some(price) = info.price {
        out.push((format!("p:{}", price_band(price)), 1.0));
    }
    out
}

/// ⌊2·log2(1 + price)⌋: bands of constant ratio, so 9 and 10 share one, 10 and 40 do not.
pub fn price_band(price: f32) -> u32 {
    (2.0 * (1.0 + f64::from(price.max(0.0))).log2()).floor() as u32
}

/// Items × [`HASH_DIM`] sparse rows, each of unit length (or empty).
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMatrix {
    pub offsets: Vec<usize>,
    pub columns: Vec<u32>,
    pub values: Vec<f32>,
}

impl FeatureMatrix {
    pub fn rows(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.offsets[i], self.offsets[i + 1]);
        (&self.columns[a..b], &self.values[a..b])
    }

    pub fn nnz(&self) -> usize {
        self.columns.len()
    }

    /// Whether row `i` has no content at all.
    pub fn is_empty_row(&self, i: usize) -> bool {
        self.offsets[i] == self.offsets[i + 1]
    }

    /// Σ_f a_f · b_f of two rows (cosine: the rows are unit length).
    pub fn dot_rows(&self, i: usize, j: usize) -> f32 {
        let (ca, va) = self.row(i);
        let (cb, vb) = self.row(j);
        let (mut x, mut y, mut sum) = (0, 0, 0.0);
        while x < ca.len() && y < cb.len() {
            match ca[x].cmp(&cb[y]) {
                std::cmp::Ordering::Less => x += 1,
                std::cmp::Ordering::Greater => y += 1,
                std::cmp::Ordering::Equal => {
                    sum += va[x] * vb[y];
                    x += 1;
                    y += 1;
                }
            }
        }
        sum
    }
}

/// The feature rows of `items` (in order), IDF over these items.
pub fn featurize(items: &[&ItemInfo]) -> FeatureMatrix {
    featurize_with(items, &vec![None; items.len()])
}

/// [`featurize`] plus dense vectors made elsewhere (image or text embeddings), one per item
/// or none: a given vector, scaled to unit length, fills columns `HASH_DIM + j`. An item
/// with both parts weighs each by 1/√2, so the row stays unit length and neither part
/// outweighs the other.
pub fn featurize_with(items: &[&ItemInfo], given: &[Option<&[f32]>]) -> FeatureMatrix {
    assert_eq!(
        items.len(),
        given.len(),
        "one given vector (or none) per item"
    );
    // Hashed counts per item, columns ascending.
    let hashed: Vec<Vec<(u32, f32)>> = items
        .iter()
        .map(|info| {
            let mut row: HashMap<u32, f32> = HashMap::new();
            for (token, weight) in tokens(info) {
                let (column, sign) = hash_token(&token);
                *row.entry(column).or_insert(0.0) += sign * weight;
            }
            let mut row: Vec<(u32, f32)> = row.into_iter().filter(|&(_, v)| v != 0.0).collect();
            row.sort_unstable_by_key(|&(c, _)| c);
            row
        })
        .collect();
    let mut df = vec![0u32; HASH_DIM];
    for row in &hashed {
        for &(c, _) in row {
            df[c as usize] += 1;
        }
    }
    let n = items.len() as f32;
    let mut matrix = FeatureMatrix {
        offsets: vec![0],
        columns: Vec::new(),
        values: Vec::new(),
    };
    for (row, given) in hashed.into_iter().zip(given) {
        let weighted: Vec<(u32, f32)> = row
            .into_iter()
            .map(|(c, v)| {
                (
                    c,
                    v * (((1.0 + n) / (1.0 + df[c as usize] as f32)).ln() + 1.0),
                )
            })
            .collect();
        let norm = weighted.iter().map(|&(_, v)| v * v).sum::<f32>().sqrt();
        let dense = given.filter(|v| v.iter().any(|&x| x != 0.0));
        let share = if dense.is_some() && !weighted.is_empty() {
            std::f32::consts::FRAC_1_SQRT_2
        } else {
            1.0
        };
        for (c, v) in weighted {
            matrix.columns.push(c);
            matrix.values.push(share * v / norm);
        }
        if let Some(v) = dense {
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            for (j, &x) in v.iter().enumerate() {
                if x != 0.0 {
                    matrix.columns.push((HASH_DIM + j) as u32);
                    matrix.values.push(share * x / norm);
                }
            }
        }
        matrix.offsets.push(matrix.columns.len());
    }
    matrix
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(title: &str) -> ItemInfo {
        ItemInfo {
            title: Some(title.to_string()),
            ..ItemInfo::default()
        }
    }

    #[test]
    fn hashing_is_stable() {
        // FNV-1a's published test vectors: the hash must never change between versions,
        // or catalogs trained before and after would disagree on every feature.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(hash_token("w:mug"), hash_token("w:mug"));
        let (c, _) = hash_token("w:mug");
        assert!((c as usize) < HASH_DIM);
    }

    #[test]
    fn tokens_cover_words_pairs_trigrams_and_fields() {
        let info = ItemInfo {
            title: Some("Red Mug".into()),
            category: Some(" Kitchen ".into()),
            brand: Some("Acme".into()),
            price: Some(10.0),
            tags: vec!["Gift".into(), "sale".into()],
            ..ItemInfo::default()
        };
        let tokens: Vec<String> = tokens(&info).into_iter().map(|(t, _)| t).collect();
        for expected in [
            "w:red",
            "w:mug",
            "b:red mug",
            "c:#mu",
            "c:mug",
            "c:ug#",
            "k:kitchen",
            "m:acme",
            "t:gift",
            "t:sale",
            "p:6",
        ] {
            assert!(
                tokens.iter().any(|t| t == expected),
                "{expected} in {tokens:?}"
            );
        }
        assert_eq!(price_band(9.0), price_band(10.0));
        assert_ne!(price_band(10.0), price_band(40.0));
    }

    #[test]
    fn rows_are_unit_length_and_similar_titles_are_close() {
        let a = item("White hanging heart T-light holder");
        let b = item("Red hanging heart T-light holder");
        let c = item("Pack of 72 retrospot cake cases");
        let empty = ItemInfo::default();
        let m = featurize(&[&a, &b, &c, &empty]);
        assert_eq!(m.rows(), 4);
        for i in 0..3 {
            assert!((m.dot_rows(i, i) - 1.0).abs() < 1e-5);
        }
        assert!(m.is_empty_row(3));
        assert!(m.dot_rows(0, 1) > 0.5, "{}", m.dot_rows(0, 1));
        assert!(m.dot_rows(0, 2).abs() < 0.2, "{}", m.dot_rows(0, 2));
        // Deterministic: the same items give the same matrix.
        assert_eq!(m, featurize(&[&a, &b, &c, &empty]));
    }

    #[test]
    fn given_vectors_join_the_row_at_equal_weight() {
        let a = item("White hanging heart T-light holder");
        let empty = ItemInfo::default();
        let v = [3.0f32, 0.0, 4.0];
        let m = featurize_with(&[&a, &empty, &a], &[Some(&v), Some(&v), None]);
        // Both parts: unit row, the given part weighs 1/2 of the squared length.
        assert!((m.dot_rows(0, 0) - 1.0).abs() < 1e-5);
        let (cols, vals) = m.row(0);
        let dense: f32 = cols
            .iter()
            .zip(vals)
            .filter(|(&c, _)| c as usize >= HASH_DIM)
            .map(|(_, v)| v * v)
            .sum();
        assert!((dense - 0.5).abs() < 1e-5, "{dense}");
        // The given vector alone: its unit vector, columns HASH_DIM and HASH_DIM + 2.
        assert_eq!(m.row(1).0, &[HASH_DIM as u32, HASH_DIM as u32 + 2][..]);
        assert_eq!(m.row(1).1, &[0.6, 0.8][..]);
        // Columns stay ascending (the ridge's binary searches need it).
        assert!(cols.windows(2).all(|w| w[0] < w[1]));
        assert!((m.dot_rows(0, 2) - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-5);
    }
}
