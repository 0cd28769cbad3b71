//! A deterministic synthetic storefront for the demo, used until the CLI's generator (which
//! simulates shoppers and trains with the real implicit-ALS trainer) is in this tree; see
//! `demo::default_catalog` for the switch.
//!
//! Items get realistic names, categories and prices. Their vectors come from latent tastes:
//! every category and every style ("rustic", "minimal", ...) has a direction, and an item is
//! its category's direction plus its style's plus a little noise. That is the structure ALS
//! recovers from real shoppers (people buy within categories and across a style), so the
//! on-device fold-in behaves as it would on a trained catalog: viewing kitchen items
//! recommends kitchen items, leaning towards the styles viewed.

use shopwindow::catalog::ModelParams;
use shopwindow::{CatalogBuilder, ItemRecord, VectorDtype};

/// Embedding dimension of the demo catalog.
const DIM: usize = 32;
/// Fixed so that the same tree always builds the same bytes (and the same cache version).
const SEED: u64 = 0x5eed_5407;

/// A department of the shop.
struct Category {
    name: &'static str,
    /// Names the artwork in www/demo/img and prefixes item ids.
    slug: &'static str,
    /// Price range in pounds.
    prices: (f32, f32),
    /// Product kinds, comma-separated.
    nouns: &'static str,
}

/// The shop's departments.
const CATEGORIES: [Category; 12] = [
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
const STYLES: [&[&str]; 6] = [
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
const ITEMS_PER_CATEGORY: usize = 250;

/// SplitMix64: tiny, well-distributed, and fully determined by the seed.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f32 {
        let u = self.unit().max(f32::MIN_POSITIVE);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    }

    fn direction(&mut self) -> Vec<f32> {
        let v: Vec<f32> = (0..DIM).map(|_| self.normal()).collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / norm).collect()
    }
}

/// The demo catalog's bytes: 3,000 items, f32 vectors.
pub fn synthetic_catalog() -> std::result::Result<Vec<u8>, String> {
    let mut rng = Rng(SEED);
    let category_dirs: Vec<Vec<f32>> = CATEGORIES.iter().map(|_| rng.direction()).collect();
    let style_dirs: Vec<Vec<f32>> = STYLES.iter().map(|_| rng.direction()).collect();

    let mut builder = CatalogBuilder::new(DIM)
        .dtype(VectorDtype::F32)
        .params(ModelParams::default())
        .metadata("created", "deterministic (xtask storefront generator)")
        .metadata(
            "source",
            "synthetic storefront: 12 categories x 6 styles, latent-taste vectors (xtask fallback generator)",
        );
    let mut seen = std::collections::HashSet::new();
    for (c, department) in CATEGORIES.iter().enumerate() {
        let Category {
            name: category,
            slug,
            prices: (low, high),
            nouns,
        } = *department;
        let nouns: Vec<&str> = nouns.split(", ").collect();
        let mut made = 0;
        while made < ITEMS_PER_CATEGORY {
            let s = rng.below(STYLES.len());
            let words = STYLES[s];
            let style = words[rng.below(words.len())];
            let noun = nouns[rng.below(nouns.len())];
            let colour = COLOURS[rng.below(COLOURS.len())];
            let title = format!("{colour} {style} {noun}");
            if !seen.insert(title.clone()) {
                continue; // names are unique, as in a real shop
            }
            made += 1;
            // Prices spread log-uniformly over the category's range, ending in .99 or .50.
            let raw = low * (high / low).powf(rng.unit());
            let price = if rng.unit() < 0.7 {
                raw.floor() + 0.99
            } else {
                raw.floor() + 0.5
            };
            // A heavy tail of popularity, like real sales.
            let popularity = (1.0 / (1.0 + 60.0 * rng.unit())).powf(1.5) * 1000.0;
            // Item vectors: the latent tastes, scaled up for popular items as ALS does.
            let strength = 0.8 + 0.4 * (popularity / 1000.0).sqrt();
            let vector: Vec<f32> = (0..DIM)
                .map(|j| {
                    strength
                        * (category_dirs[c][j]
                            + 0.6 * style_dirs[s][j]
                            + 0.3 * rng.normal() / (DIM as f32).sqrt())
                })
                .collect();
            let item = ItemRecord {
                id: format!(
                    "{}-{:04}",
                    slug.to_uppercase().chars().take(3).collect::<String>(),
                    made
                ),
                title: Some(title),
                image_url: Some(format!("img/{slug}.svg")),
                category: Some(category.to_string()),
                price: Some(price),
                available: rng.unit() > 0.06,
                popularity,
            };
            builder.push(item, &vector).map_err(|e| e.to_string())?;
        }
    }
    builder.to_bytes().map_err(|e| e.to_string())
}

/// A short content hash for the catalog's cache version (FNV-1a 64): the page's Cache API
/// copy is replaced exactly when the bytes change.
pub fn content_version(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{:016x}-{}", hash, bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_readable() {
        let a = synthetic_catalog().unwrap();
        let b = synthetic_catalog().unwrap();
        // The tensor data is identical; the JSON header is not byte-for-byte, because the
        // safetensors crate writes `__metadata__` from a HashMap (random key order).
        let data = |bytes: &[u8]| {
            let header = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
            bytes[8 + header..].to_vec()
        };
        assert_eq!(a.len(), b.len());
        assert!(data(&a) == data(&b), "tensor data differs between two runs");
        let catalog = shopwindow::Catalog::from_bytes(a).unwrap();
        assert_eq!(catalog.len(), CATEGORIES.len() * ITEMS_PER_CATEGORY);
        assert_eq!(catalog.category_count(), CATEGORIES.len());
    }
}
