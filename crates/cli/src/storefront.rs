//! A deterministic synthetic storefront: the demo's default catalog (`shopwindow
//! demo-catalog`), so the demo works anywhere without a data set.
//!
//! Products get realistic names, categories and prices. Shoppers get latent tastes: one to
//! three favourite categories and one or two favourite styles ("Nordic", "Vintage", ...)
//! that cut across categories. Each shopper makes a few sessions of views, carts and
//! purchases, mostly in a favourite category and style, with a popularity bias and some
//! noise. The events become weighted interactions (the browser's default event weights:
//! view 1, cart 3, purchase 5) and the real implicit-ALS trainer learns the item vectors,
//! so the catalog behaves like one trained on a real shop: viewing kitchen items recommends
//! kitchen items, leaning towards the styles viewed.
//!
//! Everything follows from the seed: the same seed gives the same catalog bytes.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use anyhow::{ensure, Result};
use shopwindow::catalog::LambdaScaling;
use shopwindow::{Event, EventKind, VectorDtype};

use crate::als::{self, AlsConfig, Solver, SplitMix64};
use crate::catalog_file::{build_catalog, CatalogSpec};
use crate::data::{Csr, IdMap, Interactions, ItemInfo, ItemTable};
use crate::eval::split::{EvalSplit, EvalUser};
use crate::eval::{run_model, ModelSpec};
use crate::progress::Progress;
use crate::segments::{segment_catalog, CustomerHistory, SegmentConfig};

/// A department of the shop.
pub struct Category {
    pub name: &'static str,
    /// Names the artwork in www/demo/img and prefixes item ids.
    pub slug: &'static str,
    /// Price range in pounds.
    pub prices: (f32, f32),
    /// Product kinds, comma-separated.
    pub nouns: &'static str,
}

/// The shop's departments.
pub const CATEGORIES: [Category; 12] = [
    Category {
        name: "Kitchen & Dining",
        slug: "kitchen",
        prices: (6.0, 120.0),
        nouns: "Mixing Bowl, Chef's Knife, Casserole Dish, Teapot, Mug Set, Serving Platter, Chopping Board, Salad Servers, Espresso Cups, Utensil Holder, Bread Bin, Pasta Bowls",
    },
    Category {
        name: "Home Decor",
        slug: "decor",
        prices: (8.0, 180.0),
        nouns: "Table Lamp, Cushion Cover, Wall Mirror, Vase, Throw Blanket, Photo Frame, Candle Holder, Wall Clock, Storage Basket, Plant Pot, Doormat, Bookends",
    },
    Category {
        name: "Garden & Outdoor",
        slug: "garden",
        prices: (5.0, 220.0),
        nouns: "Watering Can, Planter, Bird Feeder, Garden Kneeler, Solar Lantern, Hose Reel, Pruning Shears, Deck Chair, Seed Tin, Trowel Set, Wind Chime, Herb Box",
    },
    Category {
        name: "Women's Clothing",
        slug: "women",
        prices: (15.0, 160.0),
        nouns: "Wrap Dress, Cardigan, Midi Skirt, Linen Shirt, Rain Jacket, Jumper, Wide Trousers, Scarf, Blouse, Denim Jacket, Knit Beanie, Pleated Skirt",
    },
    Category {
        name: "Men's Clothing",
        slug: "men",
        prices: (15.0, 180.0),
        nouns: "Oxford Shirt, Chinos, Crew Jumper, Overshirt, Field Jacket, Polo Shirt, Flannel Shirt, Wool Coat, Hoodie, Cord Trousers, Rib Beanie, Gilet",
    },
    Category {
        name: "Shoes",
        slug: "shoes",
        prices: (25.0, 190.0),
        nouns: "Trainers, Chelsea Boots, Loafers, Sandals, Derby Shoes, Slippers, Hiking Boots, Ballet Flats, Canvas Plimsolls, Brogues, Wellies, Mules",
    },
    Category {
        name: "Beauty",
        slug: "beauty",
        prices: (4.0, 70.0),
        nouns: "Hand Cream, Face Serum, Lip Balm, Body Wash, Bath Salts, Hair Oil, Face Mask, Soap Bar, Eau de Parfum, Night Cream, Nail Kit, Shaving Soap",
    },
    Category {
        name: "Toys & Games",
        slug: "toys",
        prices: (6.0, 90.0),
        nouns: "Building Blocks, Jigsaw Puzzle, Board Game, Plush Rabbit, Wooden Train, Kite, Card Game, Marble Run, Puppet, Skipping Rope, Stacking Rings, Tea Set",
    },
    Category {
        name: "Books & Stationery",
        slug: "books",
        prices: (3.0, 45.0),
        nouns: "Notebook, Fountain Pen, Sketchbook, Planner, Pencil Set, Letter Paper, Recipe Journal, Desk Tidy, Washi Tape, Wax Seal Kit, Bookmark Set, Photo Album",
    },
    Category {
        name: "Electronics",
        slug: "electronics",
        prices: (12.0, 240.0),
        nouns: "Bluetooth Speaker, Desk Lamp, Headphones, Alarm Clock, Power Bank, Radio, Charging Stand, Earbuds, Smart Plug, Keyboard, Record Player, Phone Case",
    },
    Category {
        name: "Sports & Fitness",
        slug: "sports",
        prices: (6.0, 150.0),
        nouns: "Yoga Mat, Water Bottle, Dumbbell Pair, Resistance Bands, Running Cap, Gym Bag, Foam Roller, Skipping Rope, Cycling Gloves, Tennis Balls, Sports Socks, Kettlebell",
    },
    Category {
        name: "Pet Supplies",
        slug: "pets",
        prices: (3.0, 85.0),
        nouns: "Dog Bed, Cat Scratcher, Pet Bowl, Dog Lead, Chew Toy, Cat Tunnel, Grooming Brush, Treat Jar, Pet Blanket, Dog Coat, Feather Wand, Travel Crate",
    },
];

/// Styles cut across categories: a shopper who likes "Nordic" likes it in every aisle. Each
/// style has a few words that name it in titles ("Fjord Wall Clock", "Heritage Loafers").
pub const STYLES: [&[&str]; 6] = [
    &["Rustic", "Farmhouse", "Artisan"],
    &["Minimal", "Essential", "Studio"],
    &["Nordic", "Fjord", "Scandi"],
    &["Vintage", "Heritage", "Classic"],
    &["Coastal", "Harbour", "Seaside"],
    &["Bold", "Pop", "Neon"],
];

const COLOURS: [&str; 12] = [
    "Sage",
    "Charcoal",
    "Ivory",
    "Mustard",
    "Navy",
    "Terracotta",
    "Blush",
    "Forest",
    "Slate",
    "Ochre",
    "Teal",
    "Plum",
];

/// Interaction weight of each event: the browser's default `EventWeights`, so a shopper's
/// history on the device is folded in on the scale the model was trained on.
const VIEW: f32 = 1.0;
const CART: f32 = 3.0;
const PURCHASE: f32 = 5.0;

/// What to generate and how to train.
#[derive(Debug, Clone, PartialEq)]
pub struct StorefrontConfig {
    pub seed: u64,
    pub items: usize,
    pub shoppers: usize,
    pub dtype: VectorDtype,
    pub als: AlsConfig,
    /// Evaluate held-out recall@10 of iALS and popularity on this many shoppers (0: skip).
    pub eval_shoppers: usize,
    /// Customer segments to ship (0: none), clustered from at most
    /// [`SEGMENTED_SHOPPERS`] shoppers.
    pub segments: usize,
}

impl Default for StorefrontConfig {
    fn default() -> Self {
        StorefrontConfig {
            seed: 7,
            items: 3000,
            shoppers: 20_000,
            dtype: VectorDtype::F32,
            als: default_als(7),
            eval_shoppers: 2000,
            segments: 8,
        }
    }
}

/// The trainer settings of the demo catalog: chosen on this data with the held-out check
/// (`shopwindow demo-catalog` prints it).
pub fn default_als(seed: u64) -> AlsConfig {
    AlsConfig {
        factors: 64,
        regularization: 1.0,
        lambda_scaling: LambdaScaling::Constant,
        alpha: 1.0,
        iterations: 10,
        solver: Solver::ConjugateGradient { steps: 3 },
        seed,
    }
}

/// One product.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    pub id: String,
    pub title: String,
    /// Index into [`CATEGORIES`].
    pub category: usize,
    /// Index into [`STYLES`].
    pub style: usize,
    pub price: f32,
    pub available: bool,
    /// How attractive the item is to everyone (heavy-tailed): the popularity bias.
    pub appeal: f64,
}

/// One event of a simulated shopper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    View,
    Cart,
    Purchase,
}

impl Action {
    fn weight(self) -> f32 {
        match self {
            Action::View => VIEW,
            Action::Cart => CART,
            Action::Purchase => PURCHASE,
        }
    }
}

/// A visit: the items touched, in order.
pub type Session = Vec<(u32, Action)>;

/// The simulated shop: products and every shopper's sessions.
#[derive(Debug, Clone)]
pub struct Storefront {
    pub products: Vec<Product>,
    pub shoppers: Vec<Vec<Session>>,
}

/// How well the model ranks each evaluated shopper's last session from the earlier ones.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quality {
    pub users: usize,
    pub ials_recall: f64,
    pub popularity_recall: f64,
}

/// The catalog file and what was measured while making it.
#[derive(Debug, Clone)]
pub struct DemoCatalog {
    pub bytes: Vec<u8>,
    pub items: usize,
    pub events: usize,
    pub pairs: usize,
    pub simulated_in: Duration,
    pub trained_in: Duration,
    pub quality: Option<Quality>,
}

/// Seeded randomness on top of the trainer's SplitMix64 (the same sequence everywhere).
struct Rng(SplitMix64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(SplitMix64::new(seed))
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        let u = self.unit().max(f64::MIN_POSITIVE);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// Makes `n` products, spread evenly over the categories (at least one per category).
pub fn products(n: usize, rng_seed: u64) -> Vec<Product> {
    let mut rng = Rng::new(rng_seed ^ 0x5eed_5407);
    let mut products = Vec::with_capacity(n);
    let mut titles = HashSet::new();
    for (c, department) in CATEGORIES.iter().enumerate() {
        let count = n / CATEGORIES.len() + usize::from(c < n % CATEGORIES.len());
        let nouns: Vec<&str> = department.nouns.split(", ").collect();
        let (low, high) = department.prices;
        let prefix: String = department.slug.to_uppercase().chars().take(3).collect();
        for made in 1..=count {
            let style = rng.below(STYLES.len());
            // Names are unique, as in a real shop: a few draws, then a numbered edition.
            let mut title = String::new();
            for attempt in 0.. {
                let words = STYLES[style];
                title = format!(
                    "{} {} {}",
                    COLOURS[rng.below(COLOURS.len())],
                    words[rng.below(words.len())],
                    nouns[rng.below(nouns.len())]
                );
                if attempt >= 8 {
                    title = format!("{title} No. {made}");
                }
                if titles.insert(title.clone()) {
                    break;
                }
            }
            // Prices spread log-uniformly over the category's range, ending in .99 or .50.
            let raw = low * (high / low).powf(rng.unit() as f32);
            let price = raw.floor() + if rng.chance(0.7) { 0.99 } else { 0.5 };
            // Heavy-tailed appeal (log-normal, median 1). About 5% of the items are out of
            // stock, all among the slower sellers: a bestseller is restocked first, and the
            // demo's popular rows stay shoppable.
            let appeal = (0.9 * rng.normal()).exp();
            let available = !(appeal < 1.0 && rng.chance(0.1));
            products.push(Product {
                id: format!("{prefix}-{made:04}"),
                title,
                category: c,
                style,
                price,
                available,
                appeal,
            });
        }
    }
    products
}

/// Draws items in proportion to their appeal, within a category or a (category, style).
struct Sampler {
    /// Per category: item indices and cumulative appeal.
    by_category: Vec<(Vec<u32>, Vec<f64>)>,
    /// Per category and style, the same (may be empty).
    by_style: Vec<Vec<(Vec<u32>, Vec<f64>)>>,
}

impl Sampler {
    fn new(products: &[Product]) -> Sampler {
        let group = |keep: &dyn Fn(&Product) -> bool| {
            let mut items = Vec::new();
            let mut cumulative = Vec::new();
            let mut total = 0.0;
            for (i, p) in products.iter().enumerate() {
                if keep(p) {
                    total += p.appeal;
                    items.push(i as u32);
                    cumulative.push(total);
                }
            }
            (items, cumulative)
        };
        Sampler {
            by_category: (0..CATEGORIES.len())
                .map(|c| group(&|p| p.category == c))
                .collect(),
            by_style: (0..CATEGORIES.len())
                .map(|c| {
                    (0..STYLES.len())
                        .map(|s| group(&|p| p.category == c && p.style == s))
                        .collect()
                })
                .collect(),
        }
    }

    fn draw(rng: &mut Rng, (items, cumulative): &(Vec<u32>, Vec<f64>)) -> Option<u32> {
        let total = *cumulative.last()?;
        let target = rng.unit() * total;
        let at = cumulative.partition_point(|&c| c <= target);
        Some(items[at.min(items.len() - 1)])
    }

    /// An item of category `c`, of style `s` when the category has one.
    fn item(&self, rng: &mut Rng, c: usize, s: Option<usize>) -> u32 {
        s.and_then(|s| Self::draw(rng, &self.by_style[c][s]))
            .or_else(|| Self::draw(rng, &self.by_category[c]))
            .expect("every category has items")
    }
}

/// Simulates `n` shoppers with latent tastes; `on_progress(done)` every 1,000 shoppers.
pub fn simulate(
    products: &[Product],
    n: usize,
    seed: u64,
    mut on_progress: impl FnMut(usize),
) -> Vec<Vec<Session>> {
    let sampler = Sampler::new(products);
    let mut rng = Rng::new(seed ^ 0x5b0b_5eed);
    let mut shoppers = Vec::with_capacity(n);
    for shopper in 0..n {
        // Tastes: 1-3 favourite categories (the first the strongest), 1-2 styles.
        let favourites = 1 + usize::from(rng.chance(0.55)) + usize::from(rng.chance(0.2));
        let mut categories: Vec<usize> = Vec::new();
        while categories.len() < favourites {
            let c = rng.below(CATEGORIES.len());
            if !categories.contains(&c) {
                categories.push(c);
            }
        }
        let mut styles = vec![rng.below(STYLES.len())];
        if rng.chance(0.4) {
            styles.push(rng.below(STYLES.len()));
        }

        let count = 1 + rng.below(3) + if rng.chance(0.25) { rng.below(6) } else { 0 };
        let mut sessions = Vec::with_capacity(count);
        for _ in 0..count {
            // Mostly a favourite category (the first twice as often), now and then any.
            let category = if rng.chance(0.9) {
                categories[rng.below(categories.len() + 1).saturating_sub(1)]
            } else {
                rng.below(CATEGORIES.len())
            };
            let views = 2 + rng.below(6);
            let mut session: Session = Vec::with_capacity(views + 2);
            for _ in 0..views {
                let item = if rng.chance(0.05) {
                    // Noise: something anywhere in the shop.
                    rng.below(products.len()) as u32
                } else {
                    let style = if rng.chance(0.7) {
                        Some(styles[rng.below(styles.len())])
                    } else {
                        None
                    };
                    sampler.item(&mut rng, category, style)
                };
                session.push((item, Action::View));
            }
            // Some viewed items go in the basket; some of those are bought.
            let viewed: Vec<u32> = session.iter().map(|&(i, _)| i).collect();
            let mut considered = HashSet::new();
            for item in viewed {
                if !considered.insert(item) || !products[item as usize].available {
                    continue;
                }
                if rng.chance(0.2) {
                    session.push((item, Action::Cart));
                    if rng.chance(0.6) {
                        session.push((item, Action::Purchase));
                    }
                }
            }
            sessions.push(session);
        }
        shoppers.push(sessions);
        if (shopper + 1) % 1000 == 0 {
            on_progress(1000);
        }
    }
    on_progress(n % 1000);
    shoppers
}

/// The shopper × item matrix of summed event weights over the sessions `keep` selects.
fn matrix(store: &Storefront, mut keep: impl FnMut(usize, usize, usize) -> bool) -> (Csr, usize) {
    let mut triples = Vec::new();
    for (u, sessions) in store.shoppers.iter().enumerate() {
        for (s, session) in sessions.iter().enumerate() {
            if keep(u, s, sessions.len()) {
                for &(item, action) in session {
                    triples.push((u as u32, item, action.weight()));
                }
            }
        }
    }
    let events = triples.len();
    (
        Csr::from_triples(store.shoppers.len(), store.products.len(), triples),
        events,
    )
}

/// Generates the shop, trains the catalog and (unless `eval_shoppers` is 0) measures
/// held-out recall@10 of iALS against popularity.
pub fn demo_catalog(config: &StorefrontConfig, progress: &Progress) -> Result<DemoCatalog> {
    ensure!(
        config.items >= CATEGORIES.len(),
        "--items must be at least {} (one per category)",
        CATEGORIES.len()
    );
    ensure!(config.shoppers >= 1, "--shoppers must be at least 1");
    config.als.validate()?;

    let start = Instant::now();
    let products = products(config.items, config.seed);
    let bar = progress.steps(config.shoppers as u64, "shoppers");
    let shoppers = simulate(&products, config.shoppers, config.seed, |done| {
        bar.inc(done as u64)
    });
    bar.finish_and_clear();
    let store = Storefront { products, shoppers };
    let simulated_in = start.elapsed();

    let quality = if config.eval_shoppers > 0 {
        held_out_quality(&store, config, progress)?
    } else {
        None
    };

    let (matrix, events) = matrix(&store, |_, _, _| true);
    let start = Instant::now();
    let bar = progress.steps(config.als.iterations as u64, "training");
    let model = als::train(&matrix, &config.als, |_, took| {
        bar.set_message(format!("{} ms/it", took.as_millis()));
        bar.inc(1);
    })?;
    bar.finish_and_clear();
    let trained_in = start.elapsed();

    let ids: Vec<String> = store.products.iter().map(|p| p.id.clone()).collect();
    let items: ItemTable = store
        .products
        .iter()
        .map(|p| {
            let department = &CATEGORIES[p.category];
            let info = ItemInfo {
                title: Some(p.title.clone()),
                category: Some(department.name.to_string()),
                price: Some(p.price),
                available: Some(p.available),
                image_url: Some(format!("img/{}.svg", department.slug)),
                popularity: None,
            };
            (p.id.clone(), info)
        })
        .collect();
    let popularity: Vec<f32> = matrix
        .column_counts()
        .into_iter()
        .map(|c| c as f32)
        .collect();
    let als = &config.als;
    // No creation time: the same seed must give the same bytes (and cache version).
    let metadata = BTreeMap::from(
        [
            (
                "source",
                format!(
                    "synthetic storefront (shopwindow demo-catalog): {} items in {} categories, \
                     {} simulated shoppers",
                    store.products.len(),
                    CATEGORIES.len(),
                    store.shoppers.len()
                ),
            ),
            ("generator_seed", config.seed.to_string()),
            ("factors", als.factors.to_string()),
            ("iterations", als.iterations.to_string()),
            ("seed", als.seed.to_string()),
            ("train_users", matrix.rows().to_string()),
            ("train_pairs", matrix.nnz().to_string()),
        ]
        .map(|(k, v)| (k.to_string(), v)),
    );
    let bytes = build_catalog(&CatalogSpec {
        ids: &ids,
        vectors: &model.item_factors,
        dim: model.factors,
        popularity: &popularity,
        items: &items,
        params: als.model_params(),
        dtype: config.dtype,
        metadata,
    })?;
    let bytes = if config.segments > 0 {
        with_segments(&store, &bytes, config)?
    } else {
        bytes
    };
    Ok(DemoCatalog {
        bytes,
        items: store.products.len(),
        events,
        pairs: matrix.nnz(),
        simulated_in,
        trained_in,
        quality,
    })
}

/// Most shoppers the demo's segments are clustered from (every n-th shopper): enough for
/// stable segments, few enough to keep `demo-catalog` quick.
pub const SEGMENTED_SHOPPERS: usize = 5000;

/// "Now" of the simulated shop's RFM: 2026-01-01T00:00Z. Sessions are dated before it.
const SHOP_NOW_MS: f64 = 1_767_225_600_000.0;

/// Shoppers' sessions as dated browser events: the last session 0-180 days before
/// [`SHOP_NOW_MS`] (recent ones likelier), earlier ones 1-30 days apart. Dates come from
/// their own seeded stream, so the simulation itself is unchanged.
fn dated_histories(store: &Storefront, seed: u64, stride: usize) -> Vec<CustomerHistory> {
    const DAY_MS: f64 = 86_400_000.0;
    (0..store.shoppers.len())
        .step_by(stride)
        .map(|u| {
            let mut rng = Rng::new(seed ^ 0xda7e_da7e ^ (u as u64).wrapping_mul(0x9E37_79B9));
            let sessions = &store.shoppers[u];
            let mut days_ago = (rng.unit() * rng.unit() * 180.0).floor();
            let mut events = Vec::new();
            for session in sessions.iter().rev() {
                let at = SHOP_NOW_MS - days_ago * DAY_MS - DAY_MS / 2.0;
                for &(item, action) in session {
                    events.push(Event {
                        item,
                        kind: match action {
                            Action::View => EventKind::View,
                            Action::Cart => EventKind::Cart,
                            Action::Purchase => EventKind::Purchase,
                        },
                        timestamp_ms: Some(at),
                    });
                }
                days_ago += 1.0 + rng.below(30) as f64;
            }
            CustomerHistory {
                id: format!("shopper-{u}"),
                events,
            }
        })
        .collect()
}

/// The catalog with `config.segments` segments of the simulated shoppers and their RFM
/// thresholds (the demo shows the shopper's segment as a badge).
fn with_segments(store: &Storefront, bytes: &[u8], config: &StorefrontConfig) -> Result<Vec<u8>> {
    let stride = store.shoppers.len().div_ceil(SEGMENTED_SHOPPERS).max(1);
    let customers = dated_histories(store, config.seed, stride);
    let segment_config = SegmentConfig {
        k: config.segments,
        seed: config.seed,
        n_init: 4,
        ..SegmentConfig::default()
    };
    Ok(segment_catalog(bytes, customers, &segment_config, SHOP_NOW_MS)?.bytes)
}

/// Trains on every session but each shopper's last, and asks iALS (through the core
/// recommender, as the browser ranks) and popularity for the items of that last session
/// the shopper had not touched before; on up to `eval_shoppers` shoppers with two or more
/// sessions, spread evenly. `None` when no shopper has two sessions.
fn held_out_quality(
    store: &Storefront,
    config: &StorefrontConfig,
    progress: &Progress,
) -> Result<Option<Quality>> {
    let repeat: Vec<usize> = (0..store.shoppers.len())
        .filter(|&u| store.shoppers[u].len() >= 2)
        .collect();
    if repeat.is_empty() {
        return Ok(None);
    }
    let stride = repeat.len().div_ceil(config.eval_shoppers).max(1);
    let evaluated: HashSet<usize> = repeat.iter().step_by(stride).copied().collect();
    let (train, _) = matrix(store, |u, s, count| {
        !(evaluated.contains(&u) && s + 1 == count)
    });
    let mut users = Vec::new();
    for &u in repeat.iter().step_by(stride) {
        let (history, _) = train.row(u);
        let last = store.shoppers[u].last().expect("two sessions or more");
        let relevant: HashSet<u32> = last
            .iter()
            .map(|&(item, _)| item)
            .filter(|item| history.binary_search(item).is_err())
            .collect();
        if !relevant.is_empty() {
            users.push(EvalUser {
                row: u as u32,
                relevant,
            });
        }
    }
    let mut user_ids = IdMap::default();
    for u in 0..store.shoppers.len() {
        user_ids.intern(&format!("shopper-{u}"));
    }
    let mut item_ids = IdMap::default();
    for p in &store.products {
        item_ids.intern(&p.id);
    }
    let split = EvalSplit {
        name: "synthetic storefront, last session held out".into(),
        train: Interactions {
            users: user_ids,
            items: item_ids,
            matrix: train,
        },
        users,
        unrankable: 0,
        train_log: None,
    };
    let k = 10;
    let ials = run_model(
        &split,
        &ModelSpec::Ials {
            als: config.als,
            dtype: config.dtype,
        },
        k,
        progress,
    )?;
    let popularity = run_model(&split, &ModelSpec::Popularity, k, progress)?;
    Ok(Some(Quality {
        users: ials.metrics.users,
        ials_recall: ials.metrics.recall,
        popularity_recall: popularity.metrics.recall,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_have_unique_names_and_typical_prices() {
        let products = products(3000, 1);
        assert_eq!(products.len(), 3000);
        let titles: HashSet<&str> = products.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(titles.len(), 3000);
        let ids: HashSet<&str> = products.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids.len(), 3000);
        for p in &products {
            let (low, high) = CATEGORIES[p.category].prices;
            assert!(p.price >= low.floor() && p.price <= high + 1.0, "{p:?}");
        }
        let out = products.iter().filter(|p| !p.available).count();
        assert!((75..=225).contains(&out), "{out} out of stock");
        // More items than distinct names still works (numbered editions).
        assert_eq!(super::products(40_000, 1).len(), 40_000);
    }

    #[test]
    fn shoppers_stay_mostly_in_a_few_categories() {
        let products = products(600, 2);
        let shoppers = simulate(&products, 500, 2, |_| {});
        let mut in_top = 0;
        let mut total = 0;
        for sessions in &shoppers {
            let mut counts = [0usize; 12];
            for &(item, _) in sessions.iter().flatten() {
                counts[products[item as usize].category] += 1;
                total += 1;
            }
            counts.sort_unstable_by(|a, b| b.cmp(a));
            in_top += counts[..3].iter().sum::<usize>();
        }
        assert!(in_top as f64 > 0.85 * total as f64, "{in_top} of {total}");
    }
}
