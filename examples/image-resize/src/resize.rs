//! Area-average resampling: each output pixel is the mean of the source
//! area it covers, with fractional pixels weighted by coverage. Sharp and
//! alias-free for downscaling, the common case for thumbnails.
//!
//! Written by hand (about 50 lines) rather than pulling in a resizing crate:
//! it keeps the guest small and shows plain Rust doing the work.

/// Resizes 8-bit RGBA pixels from `sw`×`sh` to `dw`×`dh`. Colors are
/// averaged premultiplied by alpha, so transparent pixels do not bleed.
pub fn area_average(src: &[u8], sw: u32, sh: u32, dw: u32, dh: u32) -> Vec<u8> {
    let (sw, sh, dw, dh) = (sw as usize, sh as usize, dw as usize, dh as usize);
    let columns = weights(sw, dw);
    let rows = weights(sh, dh);
    // Horizontal pass: sh rows of dw premultiplied pixels.
    let mut wide = vec![0f32; sh * dw * 4];
    for y in 0..sh {
        let line = &src[y * sw * 4..(y + 1) * sw * 4];
        for (x, taps) in columns.iter().enumerate() {
            let out = &mut wide[(y * dw + x) * 4..][..4];
            for &(from, weight) in taps {
                let pixel = &line[from * 4..][..4];
                let alpha = f32::from(pixel[3]) / 255.0;
                for channel in 0..3 {
                    out[channel] += f32::from(pixel[channel]) * alpha * weight;
                }
                out[3] += alpha * weight;
            }
        }
    }
    // Vertical pass, then back to straight alpha.
    let mut dst = vec![0u8; dw * dh * 4];
    for (y, taps) in rows.iter().enumerate() {
        for x in 0..dw {
            let mut sum = [0f32; 4];
            for &(from, weight) in taps {
                let pixel = &wide[(from * dw + x) * 4..][..4];
                for channel in 0..4 {
                    sum[channel] += pixel[channel] * weight;
                }
            }
            let out = &mut dst[(y * dw + x) * 4..][..4];
            let alpha = sum[3];
            for channel in 0..3 {
                let straight = if alpha > 0.0 {
                    sum[channel] / alpha
                } else {
                    0.0
                };
                out[channel] = straight.round().clamp(0.0, 255.0) as u8;
            }
            out[3] = (alpha * 255.0).round().clamp(0.0, 255.0) as u8;
        }
    }
    dst
}

/// For each of `dst` output positions, the source positions it covers and
/// their weights (summing to 1).
fn weights(src: usize, dst: usize) -> Vec<Vec<(usize, f32)>> {
    let scale = src as f64 / dst as f64;
    (0..dst)
        .map(|i| {
            let (start, end) = (i as f64 * scale, (i + 1) as f64 * scale);
            let first = start.floor() as usize;
            let last = (end.ceil() as usize).min(src);
            (first..last)
                .map(|j| {
                    let covered = (end.min(j as f64 + 1.0) - start.max(j as f64)) / scale;
                    (j, covered as f32)
                })
                .filter(|&(_, weight)| weight > 0.0)
                .collect()
        })
        .collect()
}
