// Scoring + per-workgroup top-k, shared by every vector type. The module is this file plus
// one kernel that declares binding 2, the vectors, and `fn score(item) -> f32`: score_float.wgsl
// with load_f32.wgsl or load_f16.wgsl, or score_i8.wgsl with a dot_i8_*.wgsl.
//
// Each workgroup owns a tile of TILE consecutive items of one chunk: it scores the allowed
// ones, sorts the tile in workgroup memory (bitonic sort) and writes its best `params.k`
// (key, index) pairs. The host merges those candidates; it never reads all N scores back.
// Ranking is score descending then index ascending (topk::rank_order), compared on keys
// that order f32 like `f32::total_cmp`, so the GPU and the CPU agree on every tie.

const WG_SIZE: u32 = 256u;
const TILE: u32 = 1024u;
const ITEMS_PER_THREAD: u32 = 4u; // TILE / WG_SIZE
const NO_ITEM: u32 = 0xffffffffu;

const FILTER_CATEGORIES: u32 = 1u;
const FILTER_PRICE: u32 = 2u;
const FILTER_AVAILABLE: u32 = 4u;
const USE_WEIGHTS: u32 = 8u;
const LOG_PARTITION: u32 = 16u;
const ADD_BIAS: u32 = 32u;
// Stands for "no score" in the log-sum-exp: exp(NO_SCORE - max) is 0. WGSL may assume
// floats are finite, so not -inf.
const NO_SCORE: f32 = -3.0e38;

// One dispatch = one chunk of the catalog. Field order is mirrored by `layout::Params`.
struct Params {
    chunk_base: u32,       // catalog index of the chunk's first item
    chunk_len: u32,        // items in the chunk
    dim: u32,
    k: u32,                // candidates written per workgroup (<= TILE)
    out_base: u32,         // first output slot of this chunk's workgroup 0
    flags: u32,
    category_offset: u32,  // request words: allowed-category bitset...
    category_count: u32,   // ...covering categories [0, category_count)
    exclude_offset: u32,   // request words: sorted excluded indices...
    exclude_len: u32,
    price_min: f32,        // finite (the host clamps infinite bounds)
    price_max: f32,
    query_scale: f32,      // int8: the quantized query's scale
    row_words: u32,        // int8: u32 words per (padded) row
    lse_base: u32,         // LOG_PARTITION: output slot of workgroup 0's (max, sum)
    _pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
// Per request: the query words, the category bitset, the exclusion list.
@group(0) @binding(1) var<storage, read> request: array<u32>;
// Per item (chunk-local): category, price bits, available flag, int8 row scale bits.
@group(0) @binding(3) var<storage, read> columns: array<vec4<u32>>;
// Per item (chunk-local): score multipliers (USE_WEIGHTS) or terms added after the dot
// product (ADD_BIAS, the hybrid model's popularity term); a request sets at most one.
@group(0) @binding(4) var<storage, read> weights: array<f32>;
// (key, catalog index) candidates, `params.k` per workgroup; with LOG_PARTITION also one
// (max, Σ exp(score − max)) pair of f32 bits per workgroup from `params.lse_base` on.
@group(0) @binding(5) var<storage, read_write> candidates: array<vec2<u32>>;

var<workgroup> tile_keys: array<u32, TILE>;
var<workgroup> tile_items: array<u32, TILE>;
var<workgroup> partial: array<f32, WG_SIZE>;

// Maps f32 to u32 so that unsigned order is `f32::total_cmp` order (-0 below +0).
fn order_key(score: f32) -> u32 {
    let bits = bitcast<u32>(score);
    return select(bits | 0x80000000u, ~bits, (bits & 0x80000000u) != 0u);
}

// The same decision as `ItemFilter::allows`.
fn allowed(item: u32, local: u32) -> bool {
    let column = columns[local];
    if ((params.flags & FILTER_CATEGORIES) != 0u) {
        let category = column.x;
        if (category >= params.category_count) {
            return false;
        }
        let word = request[params.category_offset + (category >> 5u)];
        if ((word & (1u << (category & 31u))) == 0u) {
            return false;
        }
    }
    if ((params.flags & FILTER_PRICE) != 0u) {
        let price = bitcast<f32>(column.y);
        if (price < params.price_min || price > params.price_max) {
            return false;
        }
    }
    if ((params.flags & FILTER_AVAILABLE) != 0u && column.z == 0u) {
        return false;
    }
    var lo = 0u;
    var hi = params.exclude_len;
    while (lo < hi) {
        let mid = (lo + hi) / 2u;
        let excluded = request[params.exclude_offset + mid];
        if (excluded == item) {
            return false;
        }
        if (excluded < item) {
            lo = mid + 1u;
        } else {
            hi = mid;
        }
    }
    return true;
}

// Writes this workgroup's (max, Σ exp(score − max)); the host combines them in f64.
fn log_partition(group: u32, lid: u32, mine: array<f32, ITEMS_PER_THREAD>) {
    partial[lid] = max(max(mine[0], mine[1]), max(mine[2], mine[3]));
    workgroupBarrier();
    for (var half = WG_SIZE / 2u; half > 0u; half >>= 1u) {
        if (lid < half) {
            partial[lid] = max(partial[lid], partial[lid + half]);
        }
        workgroupBarrier();
    }
    let top = partial[0];
    workgroupBarrier();
    var sum = 0.0;
    for (var r = 0u; r < ITEMS_PER_THREAD; r++) {
        sum += exp(mine[r] - top);
    }
    partial[lid] = sum;
    workgroupBarrier();
    for (var half = WG_SIZE / 2u; half > 0u; half >>= 1u) {
        if (lid < half) {
            partial[lid] += partial[lid + half];
        }
        workgroupBarrier();
    }
    if (lid == 0u) {
        candidates[params.lse_base + group] = vec2<u32>(bitcast<u32>(top), bitcast<u32>(partial[0]));
    }
}

@compute @workgroup_size(256)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let tile_start = group.x * TILE;
    // With LOG_PARTITION every item is scored (the softmax normalizer is over the whole
    // catalog, filters do not change it); otherwise only the allowed ones.
    let everything = (params.flags & LOG_PARTITION) != 0u;
    var mine = array<f32, ITEMS_PER_THREAD>(NO_SCORE, NO_SCORE, NO_SCORE, NO_SCORE);
    for (var r = 0u; r < ITEMS_PER_THREAD; r++) {
        let slot = r * WG_SIZE + lid;
        let local = tile_start + slot;
        var key = 0u;
        var item = NO_ITEM;
        if (local < params.chunk_len) {
            let global = params.chunk_base + local;
            let ok = allowed(global, local);
            if (ok || everything) {
                var s = score(local);
                if ((params.flags & USE_WEIGHTS) != 0u) {
                    s = s * weights[local];
                }
                // One f32 add after the dot product, as the CPU's `Scoring::score_rows`.
                if ((params.flags & ADD_BIAS) != 0u) {
                    s = s + weights[local];
                }
                mine[r] = s;
                if (ok) {
                    key = order_key(s);
                    item = global;
                }
            }
        }
        tile_keys[slot] = key;
        tile_items[slot] = item;
    }
    if (everything) {
        log_partition(group.x, lid, mine);
    }
    workgroupBarrier();

    // Bitonic sort into "better first" order. Pair p compares i and i + stride; blocks of
    // `size` alternate direction until the last pass, which sorts the whole tile.
    for (var size = 2u; size <= TILE; size <<= 1u) {
        for (var stride = size >> 1u; stride > 0u; stride >>= 1u) {
            for (var r = 0u; r < TILE / 2u / WG_SIZE; r++) {
                let p = r * WG_SIZE + lid;
                let i = (p / stride) * 2u * stride + (p % stride);
                let j = i + stride;
                let ki = tile_keys[i];
                let kj = tile_keys[j];
                let ii = tile_items[i];
                let ij = tile_items[j];
                let j_better = kj > ki || (kj == ki && ij < ii);
                let better_first = (i & size) == 0u;
                if (j_better == better_first) {
                    tile_keys[i] = kj;
                    tile_keys[j] = ki;
                    tile_items[i] = ij;
                    tile_items[j] = ii;
                }
            }
            workgroupBarrier();
        }
    }

    let out = params.out_base + group.x * params.k;
    for (var s = lid; s < params.k; s += WG_SIZE) {
        candidates[out + s] = vec2<u32>(tile_keys[s], tile_items[s]);
    }
}
