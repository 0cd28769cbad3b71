//! Clustering, independent of what is clustered: k-means (offline for the catalog's
//! segments, on the device for a shopper's own history) and the silhouette that judges a
//! clustering. Points are validated once into [`Points`]; randomness comes from a
//! [`RandomSource`](crate::rng::RandomSource) the caller seeds.

pub mod kmeans;
mod silhouette;

pub use kmeans::{
    assign, nearest, squared_distance, Algorithm, KMeans, KMeansError, KMeansModel, KMeansParams,
    Points,
};
pub use silhouette::{point_silhouette, silhouette};

/// `x / ‖x‖`, or `None` for the zero vector (no direction to cluster or assign).
pub fn unit_vector(x: &[f32]) -> Option<Vec<f32>> {
    let norm = x.iter().map(|&v| v as f64 * v as f64).sum::<f64>().sqrt();
    (norm > 0.0 && norm.is_finite()).then(|| x.iter().map(|&v| (v as f64 / norm) as f32).collect())
}
