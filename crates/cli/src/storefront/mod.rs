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
//! Everything follows from the seed: the same seed gives the same catalog bytes. Each file
//! does one step:
//!
//! - `tables`: the departments, styles and colours products are made of;
//! - `random`: the draws the generators need on top of the core's seeded SplitMix64;
//! - `products`: the product list (names, prices, stock, appeal);
//! - `simulation`: the shoppers and their sessions, and the interaction matrix they make;
//! - `pipeline`: simulate, train, write the catalog (`demo_catalog`);
//! - `quality`: the held-out recall check printed by `demo-catalog`;
//! - `segments`: dated histories of the shoppers, clustered into the catalog's segments.

mod pipeline;
mod placements;
mod products;
mod quality;
mod random;
mod segments;
mod simulation;
mod tables;

pub use pipeline::{default_als, demo_catalog, DemoCatalog, StorefrontConfig};
pub use products::{products, Product};
pub use quality::Quality;
pub use segments::SEGMENTED_SHOPPERS;
pub use simulation::{simulate, Action, Session, Storefront};
pub use tables::{Category, CATEGORIES, STYLES};
