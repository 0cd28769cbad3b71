// f32 rows as stored: element e is vectors[e].

@group(0) @binding(2) var<storage, read> vectors: array<f32>;

fn x(e: u32) -> f32 {
    return vectors[e];
}
