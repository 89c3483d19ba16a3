//! Whole photo validation against merely decoding the same file, for a WhatsApp-sized photo
//! (1600x1200) and a phone original (4000x3000), plus the peak memory of one validation.
//!
//! ```text
//! cargo bench --bench photo_validation
//! ```
//!
//! Needs `harness = false` for this bench in Cargo.toml. The photos are rendered at bench time
//! with the fixture generator's renderer (a KK on a table, EXIF like a phone's); nothing big is
//! committed. Peak memory is measured in a child process (this binary re-run with
//! `--peak-memory FILE`), reading VmHWM from /proc/self/status.

use loket_testkit::photo_fixtures as fixtures;

use std::hint::black_box;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use image::{ImageFormat, ImageReader};
use loket::domain::document::{DocumentKind, DocumentShape};
use loket::validate::{PhotoPolicy, PhotoToCheck, check_photo};

fn decode_only(bytes: &[u8]) -> (u32, u32) {
    let image = ImageReader::with_format(Cursor::new(bytes), ImageFormat::Jpeg)
        .decode()
        .expect("bench photo decodes");
    (image.width(), image.height())
}

fn validate(bytes: &[u8], policy: &PhotoPolicy) -> usize {
    let checked = check_photo(
        &PhotoToCheck {
            bytes,
            kind: &DocumentKind::new("kartu_keluarga"),
            shape: DocumentShape::A4Landscape,
            child_birth_year: None,
            earlier: &[],
        },
        policy,
    );
    checked.accepted.map_or(0, |a| a.jpeg.len())
}

/// Time this thread has run on a CPU, in nanoseconds (Linux schedstat). Unlike wall time it
/// does not count waiting for a core, so it stays meaningful on a machine shared with other
/// builds and benchmarks.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

struct Timing {
    wall_median: Duration,
    cpu_mean: Duration,
}

/// Times `a` and `b` `runs` times each, alternately after one warm-up each, so that load from
/// other processes falls on both alike: wall-time medians and mean CPU time per run.
fn time_both(runs: usize, mut a: impl FnMut(), mut b: impl FnMut()) -> (Timing, Timing) {
    a();
    b();
    let (mut wall_a, mut wall_b) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    let (mut cpu_a, mut cpu_b) = (0u64, 0u64);
    for _ in 0..runs {
        let (started, cpu) = (Instant::now(), cpu_ns());
        a();
        wall_a.push(started.elapsed());
        cpu_a += cpu_ns() - cpu;
        let (started, cpu) = (Instant::now(), cpu_ns());
        b();
        wall_b.push(started.elapsed());
        cpu_b += cpu_ns() - cpu;
    }
    let timing = |mut wall: Vec<Duration>, cpu: u64| {
        wall.sort();
        Timing {
            wall_median: wall[runs / 2],
            cpu_mean: Duration::from_nanos(cpu / runs as u64),
        }
    };
    (timing(wall_a, cpu_a), timing(wall_b, cpu_b))
}

/// A KK photographed on a table, `w` x `h`, as a phone JPEG (quality 90) with EXIF.
fn photo(w: u32, h: u32, exif_orientation: u16) -> Vec<u8> {
    let doc = fixtures::kk(21);
    let at = fixtures::Placement {
        centre: (0.5, 0.5),
        size: 0.86,
        rotation_deg: -2.5,
        tilt: 0.05,
    };
    let frame = fixtures::scene(w, h, fixtures::Table::Wood, 20, &doc, at);
    // Sensor noise and JPEG quality as a phone writes them (a 12 MP original is 3-5 MB).
    let camera = fixtures::Camera {
        noise: 2.5,
        ..fixtures::Camera::default()
    };
    let upright = fixtures::develop(frame, camera, 7);
    let stored = match exif_orientation {
        6 => image::imageops::rotate270(&upright),
        _ => upright,
    };
    fixtures::with_exif(&fixtures::jpeg(&stored, 90), exif_orientation)
}

fn peak_memory_child(path: &Path) {
    let bytes = std::fs::read(path).expect("reading the bench photo");
    let before = loket_testkit::memory::vm_hwm_kib();
    let stored = validate(&bytes, &PhotoPolicy::default());
    println!(
        "{} {} {}",
        before,
        loket_testkit::memory::vm_hwm_kib(),
        stored
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--peak-memory") {
        peak_memory_child(Path::new(&args[i + 1]));
        return;
    }
    let policy = PhotoPolicy::default();
    let dir = std::env::temp_dir().join(format!("loket-photo-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");

    println!(
        "photo validation vs decode: mean CPU time per run (median wall time), {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<36} {:>8} {:>21} {:>21} {:>13} {:>9} {:>8}",
        "photo",
        "bytes",
        "decode cpu (wall)",
        "validate cpu (wall)",
        "ratio cpu/wall",
        "peak MiB",
        "stored"
    );
    let cases: [(&str, u32, u32, u16, usize); 3] = [
        ("1600x1200 (WhatsApp size)", 1600, 1200, 1, 41),
        ("1600x1200, EXIF turned (re-encode)", 1200, 1600, 6, 41),
        ("4000x3000 (phone original)", 4000, 3000, 1, 15),
    ];
    for (name, w, h, orientation, runs) in cases {
        let bytes = photo(w, h, orientation);
        assert!(
            validate(&bytes, &policy) > 0,
            "{name}: the bench photo must be accepted (it is stored)"
        );
        let (decode, full) = time_both(
            runs,
            || {
                black_box(decode_only(black_box(&bytes)));
            },
            || {
                black_box(validate(black_box(&bytes), &policy));
            },
        );
        let path: PathBuf = dir.join(format!("{w}x{h}-{orientation}.jpg"));
        std::fs::write(&path, &bytes).expect("writing the bench photo");
        let output = Command::new(std::env::current_exe().expect("own path"))
            .arg("--peak-memory")
            .arg(&path)
            .output()
            .expect("running the peak-memory child");
        let text = String::from_utf8_lossy(&output.stdout);
        let numbers: Vec<u64> = text
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        let (base, peak, stored) = match numbers[..] {
            [base, peak, stored] => (base, peak, stored),
            _ => (0, 0, 0),
        };
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "{name:<36} {:>8} {:>9.1}ms ({:>6.1}ms) {:>9.1}ms ({:>6.1}ms) {:>6.2}/{:<6.2} {:>9.1} {:>8}",
            bytes.len(),
            ms(decode.cpu_mean),
            ms(decode.wall_median),
            ms(full.cpu_mean),
            ms(full.wall_median),
            ms(full.cpu_mean) / ms(decode.cpu_mean),
            ms(full.wall_median) / ms(decode.wall_median),
            peak as f64 / 1024.0,
            stored
        );
        if base > 0 {
            println!(
                "{:<34} (peak before validating: {:.1} MiB)",
                "",
                base as f64 / 1024.0
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
