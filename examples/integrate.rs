//! occam-π's `integrate`, checkpointed and restored.
//!
//! Three processes: `numbers` sends 1, 2, 3, ...; `integrate` keeps a
//! running total; `collect` gathers the totals. Mid-stream we freeze all
//! three, write them to checkpoint files, throw away the runtime and every
//! channel, then read the files back into a fresh runtime: the pipeline
//! continues where it stopped, and every total is right.
//!
//! `cargo run --example integrate`

use std::fs::File;

use csp::migrate::{spawn_process, Frozen};
use csp::prelude::*;

#[process]
async fn numbers(out: Sender<u64>, upto: u64) {
    for i in 1..=upto {
        if out.send(i).await.is_err() {
            return;
        }
    }
}

#[process]
async fn integrate(input: Receiver<u64>, output: Sender<u64>) -> u64 {
    let mut total: u64 = 0;
    while let Ok(x) = input.recv().await {
        total += x;
        if output.send(total).await.is_err() {
            break;
        }
    }
    total
}

#[process]
async fn collect(
    input: Receiver<u64>,
    stop_after: u64,
    pause_at: u64,
    pause: Sender<()>,
    resume: Receiver<()>,
) -> Vec<u64> {
    let mut seen: Vec<u64> = Vec::new();
    while let Ok(t) = input.recv().await {
        seen.push(t);
        if seen.len() as u64 == pause_at {
            // Tell main we are mid-stream, then wait: main freezes the whole
            // pipeline while we sit here. (After the restore nobody holds
            // `resume`'s sender any more, so the wait ends at once.)
            let _ = pause.send(()).await;
            let _ = resume.recv().await;
        }
        if seen.len() as u64 == stop_after {
            break;
        }
    }
    seen
}

const N: u64 = 100;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("csp-integrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;

    // Run the pipeline until `collect` has seen 40 totals, then freeze it.
    let rt = csp::Runtime::new()?;
    let files = rt.block_on(async {
        let (a_tx, a_rx) = channel();
        let (b_tx, b_rx) = buffered(4);
        let (p_tx, p_rx) = channel();
        let (r_tx, r_rx) = channel::<()>();
        let gen = spawn_process(numbers(a_tx, N));
        let int = spawn_process(integrate(a_rx, b_tx));
        let col = spawn_process(collect(b_rx, N, 40, p_tx, r_rx));
        p_rx.recv().await.expect("collect reports mid-stream");
        let frozen = [
            gen.freeze().await.expect("freeze numbers"),
            int.freeze().await.expect("freeze integrate"),
            col.freeze().await.expect("freeze collect"),
        ];
        let mut files = Vec::new();
        for (i, f) in frozen.iter().enumerate() {
            let path = dir.join(format!("p{i}.csp"));
            f.write_to(File::create(&path)?)?;
            println!(
                "froze {:<10} -> {} ({} bytes)",
                f.identity().name,
                path.display(),
                f.frame_len()
            );
            files.push(path);
        }
        drop(r_tx);
        Ok::<_, std::io::Error>(files)
    })?;
    drop(rt);
    println!("runtime dropped; every channel and process is gone from memory");

    // A fresh runtime restores the checkpoint and finishes the work.
    let rt = csp::Runtime::new()?;
    let seen = rt.block_on(async {
        let frozen: Vec<Frozen> = files
            .iter()
            .map(|p| Frozen::read_from(File::open(p)?, 1 << 20))
            .collect::<Result<_, _>>()?;
        let mut handles: Vec<_> = Frozen::thaw_all(frozen)?
            .into_iter()
            .map(|t| t.spawn())
            .collect();
        let collector = handles.pop().expect("three processes");
        let seen = collector.join().await?;
        Ok::<_, Box<dyn std::error::Error>>(
            *seen
                .downcast::<Vec<u64>>()
                .expect("collect returns Vec<u64>"),
        )
    })?;
    let expected: Vec<u64> = (1..=N)
        .scan(0, |t, x| {
            *t += x;
            Some(*t)
        })
        .collect();
    assert_eq!(
        seen, expected,
        "every running total, in order, across the restore"
    );
    println!(
        "restored pipeline finished: {} totals, last = {} (= {N}·{}/2), none lost or repeated",
        seen.len(),
        seen[seen.len() - 1],
        N + 1
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
