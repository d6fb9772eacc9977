// `version =` needs the version number.

#[csp::process(version = )]
async fn unversioned(n: u32) -> u32 {
    n
}

fn main() {}
