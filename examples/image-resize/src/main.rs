//! Resizes a PNG: `{"image": "<base64 PNG>", "width": 256}` →
//! `{"width", "height", "originalWidth", "originalHeight", "contentType",
//! "image"}`, keeping the aspect ratio. Real work and real memory: a
//! 1024×768 image is 3 MiB of pixels once decoded.

mod resize;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use nimbus_sdk::serde::{Deserialize, Serialize};
use nimbus_sdk::{Context, Error, log};
use std::time::Instant;

/// Wider than this is refused before any pixel is decoded.
const MAX_DIMENSION: u32 = 8192;

#[derive(Deserialize)]
#[serde(crate = "nimbus_sdk::serde")]
struct Request {
    /// The PNG, base64.
    image: String,
    /// The wanted width in pixels.
    width: u32,
}

#[derive(Serialize)]
#[serde(crate = "nimbus_sdk::serde", rename_all = "camelCase")]
struct Response {
    width: u32,
    height: u32,
    original_width: u32,
    original_height: u32,
    content_type: &'static str,
    /// The resized PNG, base64.
    image: String,
}

fn handler(request: Request, _: Context) -> Result<Response, Error> {
    if request.width == 0 || request.width > MAX_DIMENSION {
        return Err(Error::new(
            "InvalidWidth",
            format!("width must be 1 to {MAX_DIMENSION}"),
        ));
    }
    let started = Instant::now();
    let source = decode(&BASE64.decode(&request.image)?)?;
    let decoded = started.elapsed();
    let height = (u64::from(source.height) * u64::from(request.width) / u64::from(source.width))
        .max(1) as u32;
    let pixels = resize::area_average(
        &source.rgba,
        source.width,
        source.height,
        request.width,
        height,
    );
    let resized = started.elapsed();
    let png = encode(&pixels, request.width, height, source.has_alpha)?;
    log!(
        "{}x{} -> {}x{}: decode {:?}, resize {:?}, encode {:?}",
        source.width,
        source.height,
        request.width,
        height,
        decoded,
        resized - decoded,
        started.elapsed() - resized
    );
    Ok(Response {
        width: request.width,
        height,
        original_width: source.width,
        original_height: source.height,
        content_type: "image/png",
        image: BASE64.encode(png),
    })
}

/// A decoded image as 8-bit RGBA.
struct Image {
    width: u32,
    height: u32,
    rgba: Vec<u8>,
    has_alpha: bool,
}

fn decode(bytes: &[u8]) -> Result<Image, Error> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info()?;
    let (width, height) = reader.info().size();
    if width > MAX_DIMENSION || height > MAX_DIMENSION {
        return Err(Error::new(
            "ImageTooLarge",
            format!("{width}x{height} is over {MAX_DIMENSION} pixels a side"),
        ));
    }
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| Error::new("ImageTooLarge", "the image does not fit"))?;
    let mut buffer = vec![0; size];
    let frame = reader.next_frame(&mut buffer)?;
    let samples = &buffer[..frame.buffer_size()];
    let (rgba, has_alpha) = match frame.color_type {
        png::ColorType::Rgba => (samples.to_vec(), true),
        png::ColorType::Rgb => (
            samples
                .chunks_exact(3)
                .flat_map(|p| [p[0], p[1], p[2], 255])
                .collect(),
            false,
        ),
        png::ColorType::GrayscaleAlpha => (
            samples
                .chunks_exact(2)
                .flat_map(|p| [p[0], p[0], p[0], p[1]])
                .collect(),
            true,
        ),
        png::ColorType::Grayscale => (
            samples.iter().flat_map(|&g| [g, g, g, 255]).collect(),
            false,
        ),
        png::ColorType::Indexed => {
            return Err(Error::new(
                "UnsupportedImage",
                "palette images are expanded; this is a bug",
            ));
        }
    };
    Ok(Image {
        width,
        height,
        rgba,
        has_alpha,
    })
}

fn encode(rgba: &[u8], width: u32, height: u32, keep_alpha: bool) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_color(if keep_alpha {
        png::ColorType::Rgba
    } else {
        png::ColorType::Rgb
    });
    let mut writer = encoder.write_header()?;
    if keep_alpha {
        writer.write_image_data(rgba)?;
    } else {
        let rgb: Vec<u8> = rgba
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        writer.write_image_data(&rgb)?;
    }
    writer.finish()?;
    Ok(out)
}

fn main() {
    nimbus_sdk::run(handler)
}
