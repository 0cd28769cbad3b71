//! The static tables the synthetic products are made of: departments, styles, colours.
//! Changing any entry changes every demo catalog built from them.

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

/// Colours prefix product names ("Sage Rustic Teapot").
pub(super) const COLOURS: [&str; 12] = [
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
