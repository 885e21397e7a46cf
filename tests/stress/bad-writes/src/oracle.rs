//! What the kernel must do with a write, worked out with the same parser
//! code the kernel module compiles (preload/deps), the way
//! preload/table.rs's `Builder` uses it: each write's complete lines must
//! parse, the line still unfinished must be one that more bytes could make
//! valid, and the list so far must have no cycle.

use preload_deps::{check_line_start, merge, parse_line, Edge, LineSplitter, List};

/// The list as the kernel builds it from one open file, write by write.
pub struct Oracle {
    splitter: LineSplitter,
    edges: Vec<Edge>,
    next_seq: u32,
}

impl Oracle {
    pub fn new() -> Self {
        Oracle {
            splitter: LineSplitter::new(),
            edges: Vec::new(),
            next_seq: 0,
        }
    }

    /// Whether the kernel must accept `chunk` as the next write.
    pub fn write(&mut self, chunk: &[u8]) -> bool {
        let Oracle {
            splitter,
            edges,
            next_seq,
        } = self;
        let lines_ok = splitter
            .feed(chunk, |_, line| {
                parse_line(line)?.for_each_edge(next_seq, |edge| {
                    edges.push(edge);
                    Ok::<(), preload_deps::Error>(())
                })
            })
            .is_ok();
        let start_ok = match splitter.unfinished() {
            Some((_, start)) => check_line_start(start).is_ok(),
            None => true,
        };
        lines_ok && start_ok && !self.has_cycle()
    }

    fn has_cycle(&mut self) -> bool {
        let len = merge(&mut self.edges);
        self.edges.truncate(len);
        let mut scratch = vec![0u32; len];
        !matches!(List::new(&self.edges).find_cycle(&mut scratch), Ok(None))
    }
}

/// Whether the kernel must accept `text` written in one `write()`.
pub fn accepts(text: &[u8]) -> bool {
    Oracle::new().write(text)
}
