//! Tensor names and `__metadata__` keys of format version 1.

/// `[N, d]` F32, F16 or I8 item embeddings, or `[N, d/2]` U8 4-bit pairs (required).
pub const VECTORS: &str = "item.vectors";
/// `[N]` F32 per-item scale of I8 vectors: value = scale × int8 (required for I8).
pub const SCALE: &str = "item.scale";
/// `[B]` U8 UTF-8 blob of item ids (required).
pub const ID_UTF8: &str = "item.id.utf8";
/// `[N + 1]` U32 or I64 offsets into the id blob (required).
pub const ID_OFFSETS: &str = "item.id.offsets";
/// Optional item titles, same layout as ids.
pub const TITLE_UTF8: &str = "item.title.utf8";
pub const TITLE_OFFSETS: &str = "item.title.offsets";
/// Optional image URLs, same layout as ids.
pub const IMAGE_UTF8: &str = "item.image.utf8";
pub const IMAGE_OFFSETS: &str = "item.image.offsets";
/// Optional merchandising tags, same layout as ids: one string per item, tags separated by
/// `|` (the empty string: no tags).
pub const TAGS_UTF8: &str = "item.tags.utf8";
pub const TAGS_OFFSETS: &str = "item.tags.offsets";
/// `[N]` F32 popularity (any non-negative scale; used for cold start).
pub const POPULARITY: &str = "item.popularity";
/// `[N]` U16 or U32 category index per item.
pub const CATEGORY: &str = "item.category";
/// Optional category names, indexed by `item.category`.
pub const CATEGORY_NAME_UTF8: &str = "category.name.utf8";
pub const CATEGORY_NAME_OFFSETS: &str = "category.name.offsets";
/// `[N]` F32 price (non-negative).
pub const PRICE: &str = "item.price";
/// `[N]` U8 availability, 1 = in stock, 0 = not.
pub const AVAILABLE: &str = "item.available";
/// `[d, d]` F32 Gram matrix YᵀY of the stored vectors, for exact fold-in.
pub const GRAM: &str = "model.gram";
/// `[S, d]` F32 customer-segment centroids (in the L2-normalized fold-in space).
pub const SEGMENT_CENTROIDS: &str = "segment.centroids";
/// `[S]` U32 customers per segment when the segments were built.
pub const SEGMENT_SIZES: &str = "segment.size";
/// Segment labels, a string table of S strings.
pub const SEGMENT_LABEL_UTF8: &str = "segment.label.utf8";
pub const SEGMENT_LABEL_OFFSETS: &str = "segment.label.offsets";
/// `[1]` F32 temperature τ of the soft segment membership.
pub const SEGMENT_TEMPERATURE: &str = "segment.temperature";
/// `[S, T]` U32 dominant category indices per segment (optional).
pub const SEGMENT_TOP_CATEGORIES: &str = "segment.top_categories";
/// `[S, T]` U32 most characteristic item indices per segment (optional).
pub const SEGMENT_TOP_ITEMS: &str = "segment.top_items";
/// `[1]` F32 weight W of the RFM features appended to each segment point (optional;
/// present, the centroids are `[S, d + 3]` and `rfm.thresholds` must ship too).
pub const SEGMENT_RFM_WEIGHT: &str = "segment.rfm_weight";
/// `[3, 4]` F32 RFM quintile thresholds: recency days, frequency, monetary.
pub const RFM_THRESHOLDS: &str = "rfm.thresholds";

/// Metadata: format version, `"1"` (required).
pub const META_FORMAT_VERSION: &str = "format_version";
/// Metadata: model kind, `"ials"` (default).
pub const META_MODEL: &str = "model";
/// Metadata: implicit-ALS confidence weight α (`c = 1 + α·w`).
pub const META_ALPHA: &str = "alpha";
/// Metadata: implicit-ALS regularization λ.
pub const META_LAMBDA: &str = "lambda";
/// Metadata: `"constant"` (λ as is) or `"interactions"` (λ × the user's item count).
pub const META_LAMBDA_SCALING: &str = "lambda_scaling";
/// Metadata: free-text creation time and source.
pub const META_CREATED: &str = "created";
pub const META_SOURCE: &str = "source";
/// `[N, K]` U32 neighbour table of the hybrid model: row j lists the items item j
/// recommends, strongest first; [`EMPTY_NEIGHBOUR`](super::EMPTY_NEIGHBOUR) marks an unused
/// slot (optional; needs the `hybrid.*` metadata).
pub const NEIGHBOUR_IDS: &str = "neighbour.ids";
/// `[N, K]` F16 weights of the neighbour slots (finite; unused slots' weights are ignored).
pub const NEIGHBOUR_WEIGHTS: &str = "neighbour.weights";

/// Metadata: hybrid model version, `"1"` (present = the catalog is a hybrid).
pub const META_HYBRID_VERSION: &str = "hybrid.version";
/// Metadata: `"1"` or `"0"`, whether the vector score takes part (`v`).
pub const META_HYBRID_VECTOR_WEIGHT: &str = "hybrid.vector_weight";
/// Metadata: `w_nb`, a finite f32 (shortest round-trip decimal).
pub const META_HYBRID_NEIGHBOUR_WEIGHT: &str = "hybrid.neighbour_weight";
/// Metadata: `w_pop`, a finite f32 (shortest round-trip decimal).
pub const META_HYBRID_POPULARITY_WEIGHT: &str = "hybrid.popularity_weight";
/// Metadata: the history transform of the neighbour term, `"linear"`, `"log1p"` or
/// `"saturate"`.
pub const META_HYBRID_HISTORY: &str = "hybrid.history";
/// Metadata keys starting with this are the offline tuner's free-text report (its choice
/// and validation figures), shown by `info()`.
pub const META_TUNE_PREFIX: &str = "tune.";
/// Metadata: how many items have content-derived vectors (no interactions when trained:
/// mapped from their title, description, category, brand and price); they are the
/// catalog's last items. A whole number ≤ N (optional; absent = none). Other `content.*`
/// keys are the trainer's free-text report.
pub const META_CONTENT_ITEMS: &str = "content.items";

/// `[N, K]` U32 bought-together table: row j lists the items bought with item j in the same
/// basket more often than their popularity predicts, strongest first;
/// [`EMPTY_SLOT`](super::EMPTY_SLOT) marks an unused slot (optional; comes with
/// [`TOGETHER_WEIGHT`] and [`META_TOGETHER_MEASURE`]).
pub const TOGETHER_IDS: &str = "together.ids";
/// `[N, K]` F32 strength of each bought-together slot (finite, > 0; unused slots' are
/// ignored), in the measure [`META_TOGETHER_MEASURE`] names.
pub const TOGETHER_WEIGHT: &str = "together.weight";
/// Metadata: what the bought-together weights are, `"lift"` or `"cosine"` (required with
/// the table).
pub const META_TOGETHER_MEASURE: &str = "together.measure";
/// `[N]` F32 time-decayed popularity at build time (finite, ≥ 0; optional).
pub const TRENDING_SCORE: &str = "trending.score";
/// Metadata: the half-life in days of the trending score's decay (a finite number > 0;
/// required with [`TRENDING_SCORE`]).
pub const META_TRENDING_HALF_LIFE_DAYS: &str = "trending.half_life_days";
/// Metadata: the time the trending score was computed at, Unix seconds (free text).
pub const META_TRENDING_AS_OF: &str = "trending.as_of";
