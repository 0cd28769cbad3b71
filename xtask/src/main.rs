fn main() {
    eprintln!("usage: cargo xtask build|test|bench");
    std::process::exit(2);
}
