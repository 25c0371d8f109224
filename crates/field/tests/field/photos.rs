use image::{DynamicImage, GenericImageView};

use crate::{testdata_photo, Device};

fn stored(dev: &mut Device, name: &str) -> DynamicImage {
    let r = dev
        .store
        .photos()
        .import_file(&testdata_photo(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let path = dev.store.photos().path(&r.sha256);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        r.sha256,
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
        "{name}: the file is named by the SHA-256 of its bytes"
    );
    assert_eq!(r.bytes as usize, bytes.len());
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!((img.width(), img.height()), (r.width, r.height));
    img
}

/// Mean absolute difference of two pictures at 24×24 grey, 0–255.
fn difference(a: &DynamicImage, b: &DynamicImage) -> f64 {
    let small = |i: &DynamicImage| {
        i.resize_exact(24, 24, image::imageops::FilterType::Triangle)
            .to_luma8()
    };
    let (a, b) = (small(a), small(b));
    a.pixels()
        .zip(b.pixels())
        .map(|(p, q)| (p[0] as f64 - q[0] as f64).abs())
        .sum::<f64>()
        / 576.0
}

fn band_brightness(img: &DynamicImage, top: bool) -> f64 {
    let g = img.to_luma8();
    let h = g.height() / 5;
    let y0 = if top { 0 } else { g.height() - h };
    let sum: u64 = (y0..y0 + h)
        .flat_map(|y| (0..g.width()).map(move |x| (x, y)))
        .map(|(x, y)| g.get_pixel(x, y)[0] as u64)
        .sum();
    sum as f64 / (h as f64 * g.width() as f64)
}

#[test]
fn every_test_photo_comes_out_upright_and_within_1600_px() {
    let mut dev = Device::start();
    let reference = stored(&mut dev, "Landscape_1.jpg");
    assert_eq!(
        reference.dimensions(),
        (1600, 1067),
        "1800×1200 scales to 1600 on the long side"
    );
    for name in ["Landscape_3.jpg", "Landscape_6.jpg", "Landscape_8.jpg"] {
        let img = stored(&mut dev, name);
        assert_eq!(
            img.dimensions(),
            (1600, 1067),
            "{name} is landscape once upright"
        );
        let d = difference(&img, &reference);
        let flipped = difference(&img.rotate180(), &reference);
        assert!(
            d < 12.0 && d * 2.0 < flipped,
            "{name} matches the upright picture (diff {d:.1}, upside-down {flipped:.1})"
        );
    }
    let p5 = stored(&mut dev, "Portrait_5.jpg");
    let p6 = stored(&mut dev, "Portrait_6.jpg");
    for (name, img) in [("Portrait_5", &p5), ("Portrait_6", &p6)] {
        assert_eq!(
            img.dimensions(),
            (1067, 1600),
            "{name} is portrait once upright"
        );
        assert!(
            band_brightness(img, true) > band_brightness(img, false) + 20.0,
            "{name}: the misty sky is at the top, the dark ground at the bottom"
        );
    }
    let d = difference(&p5, &p6);
    let mirrored = difference(&p5.fliph(), &p6);
    assert!(
        d < 12.0 && d * 2.0 < mirrored,
        "the transposed photo (5) is not left mirrored (diff {d:.1}, mirrored {mirrored:.1})"
    );
}

#[test]
fn the_same_photo_twice_is_stored_once() {
    let mut dev = Device::start();
    let a = dev
        .store
        .photos()
        .import_file(&testdata_photo("Landscape_1.jpg"))
        .unwrap();
    let b = dev
        .store
        .photos()
        .import_file(&testdata_photo("Landscape_1.jpg"))
        .unwrap();
    assert_eq!(a, b);
    let files = std::fs::read_dir(dev.dir.path().join("photos"))
        .unwrap()
        .count();
    assert_eq!(files, 1, "one file, no leftover partial files");
}

#[test]
fn bad_files_get_a_clear_error_and_store_nothing() {
    let mut dev = Device::start();
    let text = dev.dir.path().join("note.txt");
    std::fs::write(&text, "not a picture").unwrap();
    let err = dev.store.photos().import_file(&text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "photo is not an image (expected JPEG or PNG): the file is not a picture"
    );

    let big = dev.dir.path().join("big.jpg");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(26 * 1024 * 1024).unwrap();
    let err = dev.store.photos().import_file(&big).unwrap_err();
    assert!(
        err.to_string().starts_with("photo is too large (26.0 MB"),
        "{err}"
    );

    let gif = dev.dir.path().join("anim.gif");
    std::fs::write(&gif, b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").unwrap();
    assert_eq!(
        dev.store.photos().import_file(&gif).unwrap_err().code(),
        "photo_rejected"
    );

    assert_eq!(
        std::fs::read_dir(dev.dir.path().join("photos"))
            .unwrap()
            .count(),
        0,
        "nothing was stored"
    );
    assert_eq!(dev.store.sync_state().unwrap().waiting_photo_bytes, 0);
}

#[test]
fn a_pod_with_photos_counts_their_bytes_as_waiting() {
    let mut dev = Device::start();
    let photo = dev
        .store
        .photos()
        .import_file(&testdata_photo("Portrait_6.jpg"))
        .unwrap();
    assert_eq!(
        dev.store.sync_state().unwrap().waiting_photo_bytes,
        0,
        "an unattached photo is not yet work to sync"
    );
    let mut pod = dev.full_pod(6);
    pod.signature = None;
    pod.photos = vec![photo.sha256.clone()];
    dev.store.pods().record(pod).unwrap();
    assert_eq!(
        dev.store.sync_state().unwrap().waiting_photo_bytes,
        photo.bytes
    );
    assert_eq!(dev.stop(6).pods[0].photo_count, 1);
}

#[test]
fn a_crash_between_the_photo_file_and_its_row_leaves_nothing_after_the_sweep() {
    let dev = Device::start();
    let dir = dev.dir.path().join("photos");
    // What a crash can leave: half a file, and a whole file whose row never committed.
    std::fs::write(dir.join("abc.partial"), b"half a pic").unwrap();
    let orphan = format!("{}.jpg", "0".repeat(64));
    std::fs::write(dir.join(&orphan), b"no row names me").unwrap();
    let mut dev = dev.reopen();
    let kept = dev
        .store
        .photos()
        .import_file(&testdata_photo("Landscape_6.jpg"))
        .unwrap();

    assert_eq!(dev.store.sweep_orphan_photos().unwrap(), 2);
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, vec![format!("{}.jpg", kept.sha256)]);
    assert_eq!(
        dev.store.sweep_orphan_photos().unwrap(),
        0,
        "nothing more to do"
    );
}
