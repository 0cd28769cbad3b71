//! Catalogs and vectors generated in code from a seed (no data files in the repository).

use shopwindow::catalog::ModelParams;
use shopwindow::{CatalogBuilder, ItemRecord, VectorDtype};

/// A small xorshift generator: deterministic on every target, no dependencies.
#[derive(Debug, Clone)]
pub struct Xorshift(u64);

impl Xorshift {
    pub fn new(seed: u64) -> Self {
        Xorshift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in [-1, 1).
    pub fn signed(&mut self) -> f32 {
        self.unit() * 2.0 - 1.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// `n × d` values uniform in [-1, 1).
pub fn random_vectors(seed: u64, n: usize, d: usize) -> Vec<f32> {
    let mut rng = Xorshift::new(seed);
    (0..n * d).map(|_| rng.signed()).collect()
}

pub const GOLDEN_ITEMS: usize = 240;
/// Deliberately not a multiple of any SIMD lane count.
pub const GOLDEN_DIM: usize = 13;
pub const GOLDEN_CATEGORIES: [&str; 6] = ["shoes", "bags", "hats", "coats", "socks", "belts"];

/// The golden-test catalog: items cluster by category (a shared direction per category plus
/// noise), so personalized lists are meaningful; every 7th item is out of stock.
pub fn golden_catalog(dtype: VectorDtype) -> Vec<u8> {
    golden_builder(dtype)
        .to_bytes()
        .expect("the golden catalog is valid")
}

/// The builder of [`golden_catalog`], holding its items.
fn golden_builder(dtype: VectorDtype) -> CatalogBuilder {
    golden_builder_tagged(dtype, &|_| Vec::new())
}

/// The golden catalog (f32) with merchandising tags: `tags(i)` for item i.
pub fn golden_tagged_catalog(tags: &dyn Fn(usize) -> Vec<String>) -> Vec<u8> {
    golden_builder_tagged(VectorDtype::F32, tags)
        .to_bytes()
        .expect("the golden catalog is valid")
}

/// [`golden_tagged_catalog`] whose last `content_items` items are content-derived
/// (`content.items`): the new products the `fresh` option places.
pub fn golden_content_catalog(
    content_items: usize,
    tags: &dyn Fn(usize) -> Vec<String>,
) -> Vec<u8> {
    golden_builder_tagged(VectorDtype::F32, tags)
        .metadata("content.items", content_items.to_string())
        .to_bytes()
        .expect("the golden catalog is valid")
}

/// [`golden_builder`] with `tags(i)` on item i.
fn golden_builder_tagged(
    dtype: VectorDtype,
    tags: &dyn Fn(usize) -> Vec<String>,
) -> CatalogBuilder {
    let mut rng = Xorshift::new(2024);
    let centers: Vec<Vec<f32>> = (0..GOLDEN_CATEGORIES.len())
        .map(|_| (0..GOLDEN_DIM).map(|_| rng.signed()).collect())
        .collect();
    let params = ModelParams {
        alpha: 2.0,
        lambda: 0.5,
        lambda_scaling: shopwindow::catalog::LambdaScaling::Constant,
    };
    // 4-bit pairs need an even dimension: those rows get a fourteenth, zero component.
    let dim = match dtype {
        VectorDtype::I4 => GOLDEN_DIM + 1,
        _ => GOLDEN_DIM,
    };
    let mut builder = CatalogBuilder::new(dim)
        .dtype(dtype)
        .params(params)
        .metadata("source", "shopwindow-testkit golden catalog");
    for i in 0..GOLDEN_ITEMS {
        let category = i % GOLDEN_CATEGORIES.len();
        let mut vector: Vec<f32> = centers[category]
            .iter()
            .map(|c| 0.6 * c + 0.4 * rng.signed())
            .collect();
        vector.resize(dim, 0.0);
        let item = ItemRecord {
            id: format!("sku-{i:04}"),
            title: Some(format!("{} no. {i}", GOLDEN_CATEGORIES[category])),
            image_url: None,
            tags: tags(i),
            category: Some(GOLDEN_CATEGORIES[category].to_string()),
            price: Some(5.0 + (i * 37 % 200) as f32 * 0.5),
            available: i % 7 != 3,
            popularity: ((i * 53) % 101) as f32,
        };
        builder
            .push(item, &vector)
            .expect("golden vectors are finite");
    }
    builder
}

/// The golden catalog (f32) with six customer segments, one per category: each centroid
/// is the unit mean vector of its category's items, labelled with the category's name;
/// plus RFM thresholds. Used by the segment golden cases.
pub fn golden_segment_catalog() -> Vec<u8> {
    segment_catalog_with(None)
}

/// [`golden_segment_catalog`] with segments built on RFM features of weight
/// [`GOLDEN_RFM_WEIGHT`]: each centroid gets three RFM coordinates, rising from −W
/// (segment 0) to +W (segment 5), so a shopper's RFM scores shift the membership.
pub fn golden_rfm_segment_catalog() -> Vec<u8> {
    segment_catalog_with(Some(GOLDEN_RFM_WEIGHT))
}

/// The RFM feature weight of [`golden_rfm_segment_catalog`].
pub const GOLDEN_RFM_WEIGHT: f32 = 0.5;

fn segment_catalog_with(rfm_weight: Option<f32>) -> Vec<u8> {
    use shopwindow::catalog::{with_segments, SegmentSpec};
    use shopwindow::segment::{unit_vector, RfmThresholds};
    let bytes = golden_catalog(VectorDtype::F32);
    let catalog = shopwindow::Catalog::from_bytes(bytes.clone()).expect("golden catalog");
    let mut centroids = Vec::new();
    for c in 0..GOLDEN_CATEGORIES.len() {
        let mut mean = vec![0.0f32; GOLDEN_DIM];
        for i in (c..GOLDEN_ITEMS).step_by(GOLDEN_CATEGORIES.len()) {
            mean.iter_mut()
                .zip(catalog.row(i))
                .for_each(|(m, v)| *m += v);
        }
        centroids.extend(unit_vector(&mean).expect("a non-zero mean"));
        if let Some(w) = rfm_weight {
            let last = (GOLDEN_CATEGORIES.len() - 1) as f32;
            centroids.extend([w * (2.0 * c as f32 / last - 1.0); 3]);
        }
    }
    let spec = SegmentSpec {
        centroids,
        sizes: (0..GOLDEN_CATEGORIES.len() as u32)
            .map(|c| 100 + 10 * c)
            .collect(),
        labels: GOLDEN_CATEGORIES
            .iter()
            .map(|c| format!("{c} fans"))
            .collect(),
        temperature: 0.3,
        top_categories: GOLDEN_CATEGORIES
            .iter()
            .enumerate()
            .map(|(c, name)| {
                vec![
                    name.to_string(),
                    GOLDEN_CATEGORIES[(c + 1) % GOLDEN_CATEGORIES.len()].to_string(),
                ]
            })
            .collect(),
        top_items: (0..GOLDEN_CATEGORIES.len())
            .map(|c| vec![format!("sku-{c:04}"), format!("sku-{:04}", c + 6)])
            .collect(),
        rfm_weight,
    };
    let rfm = RfmThresholds::new(
        [2.0, 7.0, 30.0, 90.0],
        [1.0, 2.0, 3.0, 5.0],
        [20.0, 50.0, 100.0, 200.0],
    )
    .expect("sorted thresholds");
    with_segments(&bytes, Some(&spec), Some(&rfm)).expect("valid segments")
}

/// Which hybrid model [`golden_hybrid_catalog`] adds to the golden catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HybridFixture {
    /// Vectors, neighbours (log1p history) and popularity, on the golden catalog of this
    /// vector type.
    Full(VectorDtype),
    /// Neighbours (saturated history) and popularity, vector term off (f32 vectors).
    NoVectors,
    /// Vectors and popularity only: the blend without a neighbour table (f32).
    NoTable,
    /// Vectors and neighbours with a linear history and no popularity (f32).
    Linear,
}

impl HybridFixture {
    pub fn all() -> [HybridFixture; 7] {
        [
            HybridFixture::Full(VectorDtype::F32),
            HybridFixture::Full(VectorDtype::F16),
            HybridFixture::Full(VectorDtype::I8),
            HybridFixture::Full(VectorDtype::I4),
            HybridFixture::NoVectors,
            HybridFixture::NoTable,
            HybridFixture::Linear,
        ]
    }

    /// The name in golden keys.
    pub fn name(self) -> String {
        match self {
            HybridFixture::Full(dtype) => format!("hybrid {}", dtype.as_str()),
            HybridFixture::NoVectors => "hybrid without vectors".into(),
            HybridFixture::NoTable => "hybrid without neighbours".into(),
            HybridFixture::Linear => "hybrid linear".into(),
        }
    }

    pub fn params(self) -> shopwindow::catalog::HybridParams {
        use shopwindow::catalog::{HistoryTransform, HybridParams};
        let (vectors, neighbour_weight, popularity_weight, history) = match self {
            HybridFixture::Full(_) => (true, 0.6, 0.8, HistoryTransform::Log1p),
            HybridFixture::NoVectors => (false, 1.5, 1.0, HistoryTransform::Saturate),
            HybridFixture::NoTable => (true, 0.5, 0.4, HistoryTransform::Linear),
            HybridFixture::Linear => (true, 0.05, 0.0, HistoryTransform::Linear),
        };
        HybridParams {
            vectors,
            neighbour_weight,
            popularity_weight,
            history,
        }
    }
}

/// Neighbours per item of the golden hybrid catalogs (the tuner's default).
pub const GOLDEN_NEIGHBOURS: usize = 10;

/// The golden neighbour table: per item six items of its own category and three of others,
/// strongest first, every third row ending in an empty slot; weights in (0, 1].
pub fn golden_neighbour_table() -> shopwindow::catalog::NeighbourSpec {
    use shopwindow::catalog::{NeighbourSpec, EMPTY_NEIGHBOUR};
    let mut rng = Xorshift::new(77);
    let categories = GOLDEN_CATEGORIES.len() as u64;
    let mut ids = Vec::with_capacity(GOLDEN_ITEMS * GOLDEN_NEIGHBOURS);
    let mut weights = Vec::with_capacity(GOLDEN_ITEMS * GOLDEN_NEIGHBOURS);
    for j in 0..GOLDEN_ITEMS as u64 {
        for slot in 0..GOLDEN_NEIGHBOURS as u64 {
            let id = if slot == 9 && j % 3 == 0 {
                EMPTY_NEIGHBOUR
            } else if slot < 6 {
                // Same category: the items are i ≡ j (mod 6).
                ((j + categories * (1 + rng.below(GOLDEN_ITEMS as u64 / categories - 1)))
                    % GOLDEN_ITEMS as u64) as u32
            } else {
                rng.below(GOLDEN_ITEMS as u64) as u32
            };
            ids.push(id);
            weights.push((1.0 - slot as f32 * 0.08) * (0.5 + 0.5 * rng.unit()));
        }
    }
    NeighbourSpec {
        k: GOLDEN_NEIGHBOURS,
        ids,
        weights,
    }
}

/// The golden catalog with the hybrid model `fixture` (and a tuner's `tune.*` report).
pub fn golden_hybrid_catalog(fixture: HybridFixture) -> Vec<u8> {
    use shopwindow::catalog::HybridSpec;
    let dtype = match fixture {
        HybridFixture::Full(dtype) => dtype,
        _ => VectorDtype::F32,
    };
    let spec = HybridSpec {
        params: fixture.params(),
        neighbours: (fixture != HybridFixture::NoTable).then(golden_neighbour_table),
    };
    golden_builder(dtype)
        .metadata("tune.winner", "hybrid")
        .metadata("tune.validation", "a fixture, not a measurement")
        .hybrid(spec)
        .to_bytes()
        .expect("the golden hybrid catalog is valid")
}
