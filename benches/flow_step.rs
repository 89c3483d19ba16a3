//! Engine step time and serialised state size per conversation.
//! Run: `cargo bench --bench flow_step` (targets: a step under 50 µs, state under 4 KB).

use loket_testkit::media::media;

use criterion::{BatchSize, Criterion};
use jiff::civil::date;
use jiff::tz::TimeZone;
use loket::domain::document::DocumentKind;
use loket::domain::photo::{Finding, PhotoVerdict, Severity};
use loket::flow::{Context, Conversation, Effect, FlowSet, Input, step, step_batch};
use std::hint::black_box;

/// A KIA conversation for a six-year-old who lost the card: every kind of step, six photos.
fn script() -> Vec<Input> {
    // The NIK gives the birth date and sex; delivery by Pos is the only option and is said.
    let texts = [
        "halo",
        "kia",
        "setuju",
        "Ahmad Fauzi",
        "6371051203190001",
        "hilang",
        "setuju",
        "Banjarmasin Tengah",
        "Melayu",
        "Jl. Pramuka Gg. Mawar No. 12",
        "005/002",
    ];
    texts.iter().map(|t| Input::Text(t.to_string())).collect()
}

/// Runs inputs, answering photo checks (one with a warning), and returns every state passed.
fn run(flows: &FlowSet, ctx: &Context, inputs: Vec<Input>, photos: &[&str]) -> Vec<Conversation> {
    let mut states = Vec::new();
    let mut state = Conversation::default();
    for input in inputs {
        state = step(flows, state, input, ctx).0;
        states.push(state.clone());
    }
    for name in photos {
        let (s, effects) = step(
            flows,
            state,
            Input::Photo {
                media: media(name),
                caption: None,
            },
            ctx,
        );
        state = s;
        for e in effects {
            if let Effect::CheckPhoto {
                media, document, ..
            } = e
            {
                let mut verdict = PhotoVerdict::default();
                verdict.findings.push(Finding {
                    code: "too_dark".into(),
                    severity: Severity::Warning,
                    params: [("document".to_string(), document.id().to_string())].into(),
                    figures: vec![("brightness".into(), 61.5), ("sharpness".into(), 240.2)],
                });
                state = step(
                    flows,
                    state,
                    Input::PhotoChecked {
                        media,
                        document,
                        verdict,
                    },
                    ctx,
                )
                .0;
            }
        }
        states.push(state.clone());
    }
    states
}

fn main() {
    let flows = match loket::bundle::load_flows(None) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let now = date(2026, 4, 13)
        .at(10, 0, 0, 0)
        .to_zoned(TimeZone::get("Asia/Makassar").unwrap_or(TimeZone::UTC))
        .map(|z| z.timestamp())
        .unwrap_or_default();
    let ctx = Context::at(now);
    let photos = ["akta", "kk", "ayah", "ibu", "pas", "polisi"];
    let states = run(&flows, &ctx, script(), &photos);
    let sizes: Vec<usize> = states
        .iter()
        .map(|s| serde_json::to_vec(s).map(|v| v.len()).unwrap_or(0))
        .collect();
    println!(
        "serialized state (JSON) along a KIA conversation with 6 photos: max {} bytes, at summary {} bytes, after {} states",
        sizes.iter().max().unwrap_or(&0),
        sizes.last().unwrap_or(&0),
        sizes.len()
    );

    let mut c = Criterion::default().configure_from_args();
    let before_nik = states[3].clone();
    c.bench_function(
        "step: NIK typed (validate, birth date and sex read from it, region lookup, next prompt)",
        |b| {
            b.iter_batched(
                || before_nik.clone(),
                |s| {
                    black_box(step(
                        &flows,
                        s,
                        Input::Text("6371051203190001".into()),
                        &ctx,
                    ))
                },
                BatchSize::SmallInput,
            )
        },
    );
    let kelurahan_first = states[6].clone();
    c.bench_function(
        "step: kelurahan typed with a typo, matched against all 52 of the city",
        |b| {
            b.iter_batched(
                || kelurahan_first.clone(),
                |s| black_box(step(&flows, s, Input::Text("teluk dalem".into()), &ctx)),
                BatchSize::SmallInput,
            )
        },
    );
    let at_kelurahan = states[7].clone();
    c.bench_function("step: kelurahan chosen from a 12-row list", |b| {
        b.iter_batched(
            || at_kelurahan.clone(),
            |s| black_box(step(&flows, s, Input::Text("melayu".into()), &ctx)),
            BatchSize::SmallInput,
        )
    });
    let before_last_photo = states[states.len() - 2].clone();
    c.bench_function("step: last photo verdict → summary with due date", |b| {
        b.iter_batched(
            || {
                let (s, _) = step(
                    &flows,
                    before_last_photo.clone(),
                    Input::Photo {
                        media: media("polisi2"),
                        caption: None,
                    },
                    &ctx,
                );
                s
            },
            |s| {
                black_box(step(
                    &flows,
                    s,
                    Input::PhotoChecked {
                        media: media("polisi2"),
                        document: DocumentKind::new("surat_kehilangan"),
                        verdict: PhotoVerdict::default(),
                    },
                    &ctx,
                ))
            },
            BatchSize::SmallInput,
        )
    });
    let summary = states[states.len() - 1].clone();
    c.bench_function("step: global command `status` at the summary", |b| {
        b.iter_batched(
            || summary.clone(),
            |s| black_box(step(&flows, s, Input::Text("status".into()), &ctx)),
            BatchSize::SmallInput,
        )
    });
    c.bench_function("conversation: 11 texts + 6 photos + filing", |b| {
        b.iter(|| {
            let states = run(&flows, &ctx, script(), &photos);
            let last = states.into_iter().last().unwrap_or_default();
            black_box(step_batch(
                &flows,
                last,
                vec![Input::Choice {
                    id: "summary.send".into(),
                    title: "Kirim".into(),
                }],
                &ctx,
            ))
        })
    });
    c.final_summary();
}
