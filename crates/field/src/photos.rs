//! The photo pipeline: decode, stand upright (EXIF orientation), downscale to at most 1600 px
//! on the long side, re-encode as JPEG (which drops all other metadata, GPS tags included),
//! and name by SHA-256. [`prepare`] is pure; [`write_atomically`] puts the file in place.

use std::fs::{self, File};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use crate::{FieldError, Result};

pub const MAX_INPUT_BYTES: usize = 25 * 1024 * 1024;
pub const MAX_EDGE_PX: u32 = 1600;
pub const JPEG_QUALITY: u8 = 80;

/// A photo ready to store.
#[derive(Debug, Clone)]
pub struct PreparedPhoto {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub sha256: String,
}

/// Decodes `input` (JPEG or PNG), applies its EXIF orientation, downscales and re-encodes it.
pub fn prepare(input: &[u8]) -> Result<PreparedPhoto> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(FieldError::PhotoTooLarge {
            mb: input.len() as f64 / (1024.0 * 1024.0),
        });
    }
    let reader = ImageReader::new(Cursor::new(input))
        .with_guessed_format()
        .map_err(|e| FieldError::NotAnImage(e.to_string()))?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png) => {}
        Some(other) => {
            return Err(FieldError::NotAnImage(format!(
                "{other:?} files are not accepted"
            )))
        }
        None => return Err(FieldError::NotAnImage("the file is not a picture".into())),
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| FieldError::NotAnImage(e.to_string()))?;
    decoder
        .set_limits(limits)
        .map_err(|e| FieldError::NotAnImage(e.to_string()))?;
    let orientation = decoder
        .orientation()
        .map_err(|e| FieldError::NotAnImage(e.to_string()))?;
    let mut img =
        DynamicImage::from_decoder(decoder).map_err(|e| FieldError::NotAnImage(e.to_string()))?;
    img.apply_orientation(orientation);
    if img.width().max(img.height()) > MAX_EDGE_PX {
        img = img.resize(MAX_EDGE_PX, MAX_EDGE_PX, FilterType::Triangle);
    }
    let rgb = img.into_rgb8();
    let mut jpeg = Vec::with_capacity(rgb.len() / 8);
    JpegEncoder::new_with_quality(&mut jpeg, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|e| FieldError::NotAnImage(e.to_string()))?;
    let sha256 = hex::encode(Sha256::digest(&jpeg));
    Ok(PreparedPhoto {
        jpeg,
        width: rgb.width(),
        height: rgb.height(),
        sha256,
    })
}

/// The file a photo lives in.
pub fn path_for(dir: &Path, sha256: &str) -> PathBuf {
    dir.join(format!("{sha256}.jpg"))
}

/// Writes `bytes` to `dest` so that a crash leaves either nothing or the whole file: write a
/// temporary file, fsync it, rename it into place, fsync the folder.
pub fn write_atomically(dest: &Path, bytes: &[u8]) -> Result<()> {
    let dir = dest.parent().expect("photo paths have a folder");
    let tmp = dest.with_extension("partial");
    let io = |e| FieldError::io(&tmp, e);
    let mut f = File::create(&tmp).map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    drop(f);
    fs::rename(&tmp, dest).map_err(|e| FieldError::io(dest, e))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| FieldError::io(dir, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_not_an_image() {
        let err = prepare(b"hello, I am not a picture").unwrap_err();
        assert_eq!(err.code(), "photo_rejected");
        assert!(
            err.to_string().starts_with("photo is not an image"),
            "{err}"
        );
    }

    #[test]
    fn more_than_25_mb_is_refused_before_decoding() {
        let big = vec![0u8; MAX_INPUT_BYTES + 1];
        let err = prepare(&big).unwrap_err();
        assert!(matches!(err, FieldError::PhotoTooLarge { .. }), "{err}");
    }

    #[test]
    fn a_truncated_jpeg_is_refused() {
        let mut img = image::RgbImage::new(64, 64);
        img.put_pixel(1, 1, image::Rgb([255, 0, 0]));
        let mut jpeg = Vec::new();
        JpegEncoder::new(&mut jpeg).encode_image(&img).unwrap();
        jpeg.truncate(jpeg.len() / 3);
        assert!(prepare(&jpeg).is_err(), "half a JPEG is not a photo");
    }

    #[test]
    fn a_small_png_is_kept_at_its_size_and_named_by_its_hash() {
        let img = image::RgbaImage::from_pixel(40, 30, image::Rgba([10, 200, 30, 128]));
        let mut png = Vec::new();
        img.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let p = prepare(&png).unwrap();
        assert_eq!((p.width, p.height), (40, 30));
        assert_eq!(p.sha256, hex::encode(Sha256::digest(&p.jpeg)));
        assert_eq!(&p.jpeg[..2], &[0xFF, 0xD8], "stored as JPEG");
    }
}
