//! Integration tests: DocFX code snippets (`[!code-LANG[name](path)]`) built
//! by the `kbsite` binary, asserting on the code blocks a reader gets and
//! the messages a writer gets.

mod common;
use common::{tree, Site};

const PROGRAM_CS: &str = r#"using System;
namespace Demo
{
    class Program
    {
        #region Main
        static void Main(string[] args)
        {
            // <Greet>
            Console.WriteLine("Hello <world> & KB 123456");
            // </Greet>
        }
        #endregion
    }
}
"#;

const WEB_CONFIG: &str = r#"<?xml version="1.0"?>
<configuration>
  <system.webServer>
    <!-- <Limits> -->
    <security>
      <requestLimits maxAllowedContentLength="30000000" />
    </security>
    <!-- </Limits> -->
  </system.webServer>
</configuration>
"#;

/// Saved with CRLF line endings (see `samples_site`).
const SETUP_PS1: &str = "param($Name)
# <Install>
    Install-WindowsFeature -Name Failover-Clustering
    # <Inner>
    Test-Cluster
    # </Inner>
# </Install>
Write-Output done
";

const QUERY_SQL: &str = "-- line 1\nSELECT name\nFROM sys.databases\nWHERE state = 0\n  AND is_read_only = 0\nORDER BY name;\n";

const ARTICLE: &str = "---\ntitle: Code\n---\n# Code\n\n\
## Range\n\n[!code-sql[](../samples/query.sql?range=2-3,6)]\n\n\
## Region\n\n[!code-csharp[Main](../samples/Program.cs?name=Main)]\n\n\
## Tag\n\n[!code-cs[](../samples/Program.cs#Greet)]\n\n\
## Xml\n\n[!code-xml[](../samples/web.config?name=limits)]\n\n\
## PowerShell\n\n1. Run:\n\n   [!code-powershell[](../samples/setup.ps1?name=Install)]\n\n\
## Highlight\n\n[!code-sql[](../samples/query.sql?highlight=2,4-5)]\n\n\
## Both\n\n> [!NOTE]\n> [!code-sql[](../samples/query.sql?range=2-6&highlight=3)]\n\n\
## Lines\n\n[!code-azurecli[](../samples/query.sql#L2-L3 \"title\")]\n\n\
## Utf16\n\n[!code[](../samples/utf16.ps1)]\n";

fn samples_site() -> Site {
    let site = Site::new(&[
        // The code as text: colours are tested in tests/build.rs.
        ("kbsite.yml", "highlight: false\n"),
        ("content/guide/code.md", ARTICLE),
        ("content/samples/Program.cs", PROGRAM_CS),
        ("content/samples/web.config", WEB_CONFIG),
        ("content/samples/query.sql", QUERY_SQL),
    ]);
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            "Get-Date\r\nGet-Host\r\n"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    common::write(&site.root().join("content/samples/utf16.ps1"), &utf16);
    common::write(
        &site.root().join("content/samples/setup.ps1"),
        SETUP_PS1.replace('\n', "\r\n").as_bytes(),
    );
    site
}

/// Every `<pre><code ...>text</code></pre>` of a page: the `<code>` start
/// tag's attributes and the text.
fn code_blocks(html: &str) -> Vec<(String, String)> {
    html.split("<pre><code")
        .skip(1)
        .map(|rest| {
            let (attrs, rest) = rest.split_once('>').unwrap();
            let text = rest.split("</code></pre>").next().unwrap();
            (attrs.trim().to_string(), text.to_string())
        })
        .collect()
}

#[test]
fn snippets_show_ranges_regions_and_highlights() {
    let site = samples_site();
    let run = site.build_ok();
    assert!(
        !run.stderr.contains("warning") && !run.stderr.contains("error"),
        "{}",
        run.stderr
    );
    let html = site.page("guide/code/index.html");
    assert!(!html.contains("[!code"), "literal directive in output");
    let blocks = code_blocks(&html);
    let expected: &[(&str, &str)] = &[
        // range=2-3,6
        (
            "class=\"language-sql\"",
            "SELECT name\nFROM sys.databases\nORDER BY name;\n",
        ),
        // C# #region, dedented; the `// <Greet>` markers inside go.
        (
            "class=\"language-csharp\"",
            "static void Main(string[] args)\n{\n    Console.WriteLine(\"Hello &lt;world&gt; &amp; KB 123456\");\n}\n",
        ),
        // `// <Name>` form, by fragment.
        (
            "class=\"language-cs\"",
            "Console.WriteLine(\"Hello &lt;world&gt; &amp; KB 123456\");\n",
        ),
        // XML comment form.
        (
            "class=\"language-xml\"",
            "&lt;security&gt;\n  &lt;requestLimits maxAllowedContentLength=\"30000000\" /&gt;\n&lt;/security&gt;\n",
        ),
        // PowerShell `# <Name>` with CRLF; inner markers go.
        (
            "class=\"language-powershell\"",
            "Install-WindowsFeature -Name Failover-Clustering\nTest-Cluster\n",
        ),
        // highlight=2,4-5 over the whole file.
        (
            "class=\"language-sql\" data-kb-highlight=\"2,4-5\"",
            "-- line 1\n<mark class=\"kb-hl\">SELECT name</mark>\nFROM sys.databases\n\
             <mark class=\"kb-hl\">WHERE state = 0</mark>\n<mark class=\"kb-hl\">  AND is_read_only = 0</mark>\nORDER BY name;\n",
        ),
        // range and highlight: the highlight counts the lines shown.
        (
            "class=\"language-sql\" data-kb-highlight=\"3\"",
            "SELECT name\nFROM sys.databases\n<mark class=\"kb-hl\">WHERE state = 0</mark>\n  AND is_read_only = 0\nORDER BY name;\n",
        ),
        // `#L2-L3`, with a title.
        (
            "class=\"language-azurecli\"",
            "SELECT name\nFROM sys.databases\n",
        ),
        // No language: the extension's; UTF-16 with CRLF decoded.
        (
            "class=\"language-powershell\"",
            "Get-Date\nGet-Host\n",
        ),
    ];
    let got: Vec<(&str, &str)> = blocks
        .iter()
        .map(|(a, t)| (a.as_str(), t.as_str()))
        .collect();
    assert_eq!(got, expected);
    // The PowerShell snippet stays in its list item, the combined one in
    // its note.
    let item = &html[html.find("<li>\n<p>Run:</p>").unwrap()..];
    let item = &item[..item.find("</li>").unwrap()];
    assert!(item.contains("Install-WindowsFeature"), "{item}");
    let note = &html[html.find("kb-alert-note").unwrap()..];
    assert!(
        note[..note.find("</div>").unwrap()].contains("data-kb-highlight=\"3\""),
        "{note}"
    );
    // No KB link inside code.
    assert!(!html.contains("KB 123456</a>"));
    // Samples are still copied as they are.
    assert_eq!(
        std::fs::read_to_string(site.out().join("samples/Program.cs")).unwrap(),
        PROGRAM_CS
    );
    assert!(site.out().join("samples/setup.ps1").is_file());
}

#[test]
fn sanitize_keeps_snippets_as_they_are() {
    let plain = samples_site();
    plain.build_ok();
    let clean = samples_site();
    common::write(
        &clean.root().join("kbsite.yml"),
        b"title: Knowledge base\nsanitize: true\nhighlight: false\n",
    );
    clean.build_ok();
    let html = clean.page("guide/code/index.html");
    assert_eq!(
        code_blocks(&html),
        code_blocks(&plain.page("guide/code/index.html"))
    );
    assert!(html.contains("<mark class=\"kb-hl\">"), "{html}");
}

#[test]
fn missing_samples_regions_and_lines_warn_and_mark_the_spot() {
    let site = Site::new(&[
        // The code as text: colours are tested in tests/build.rs.
        ("kbsite.yml", "highlight: false\n"),
        (
            "content/a.md",
            "# A\n\n[!code-csharp[](samples/Gone.cs)]\n\n[!code-csharp[](samples/P.cs?name=Nope)]\n\n\
             [!code-csharp[](samples/P.cs?range=40-50)]\n\n[!code-csharp[](samples/P.cs?range=1&highlight=1)]\n",
        ),
        ("content/samples/P.cs", "class P { }\n"),
    ]);
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (message, line) in [
        ("warning: code sample not found: `samples/Gone.cs`", 3),
        (
            "warning: region `Nope` not found in code sample `samples/P.cs?name=Nope`",
            5,
        ),
        (
            "warning: code sample `samples/P.cs?range=40-50` shows no lines",
            7,
        ),
    ] {
        let at = run
            .stderr
            .find(message)
            .unwrap_or_else(|| panic!("{message} missing in:\n{}", run.stderr));
        let location = format!("--> content/a.md:{line}");
        assert!(
            run.stderr[at..].contains(&location),
            "{location}: {}",
            run.stderr
        );
    }
    assert!(run
        .stderr
        .contains("no file at content path `samples/Gone.cs`"));
    assert!(run
        .stderr
        .contains("mark its lines with `#region Nope` and `#endregion`"));
    assert!(run
        .stderr
        .contains("range `40-50` is past the end of the file (1 lines)"));
    let html = site.page("a/index.html");
    for placeholder in [
        "Missing code sample <code>samples/Gone.cs</code> (not found)",
        "Missing code sample <code>samples/P.cs?name=Nope</code> (region `Nope` not found)",
        "Missing code sample <code>samples/P.cs?range=40-50</code> (range `40-50` is past the end of the file (1 lines))",
    ] {
        assert!(html.contains(placeholder), "{placeholder}\n{html}");
    }
    assert_eq!(html.matches("class=\"kb-missing\"").count(), 3);
    assert!(html.contains("<mark class=\"kb-hl\">class P { }</mark>"));
    // The sample appearing fixes the page.
    common::write(&site.root().join("content/samples/Gone.cs"), b"// ok\n");
    let run = site.build_ok();
    assert!(!run.stderr.contains("Gone.cs"), "{}", run.stderr);
    assert!(site.page("a/index.html").contains("// ok\n</code></pre>"));
}

#[test]
fn a_sample_outside_the_content_folder_is_an_error_and_the_old_output_stays() {
    let site = Site::new(&[
        // The code as text: colours are tested in tests/build.rs.
        ("kbsite.yml", "highlight: false\n"),
        ("content/a.md", "# A\n"),
    ]);
    site.build_ok();
    let before = tree(&site.out());
    common::write(&site.root().join("secret.txt"), b"password\n");
    common::write(
        &site.root().join("content/b.md"),
        b"# B\n\n[!code-text[](../../../../etc/passwd)]\n\n[!code-text[](../secret.txt)]\n\n[!code-text[](/etc/passwd)]\n",
    );
    let run = site.kbsite(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for (target, line) in [
        ("../../../../etc/passwd", 3),
        ("../secret.txt", 5),
        ("/etc/passwd", 7),
    ] {
        let message = format!("error: code sample `{target}` points outside the content folder");
        let at = run
            .stderr
            .find(&message)
            .unwrap_or_else(|| panic!("{message} missing in:\n{}", run.stderr));
        assert!(
            run.stderr[at..].contains(&format!("--> content/b.md:{line}")),
            "{}",
            run.stderr
        );
    }
    assert!(run.stdout.contains("previous output is unchanged"));
    assert_eq!(before, tree(&site.out()), "old output kept");
    let check = site.kbsite(&["check"]);
    assert_eq!(check.code, 1);
    assert!(!check.stderr.contains("password") && !check.stdout.contains("password"));
}

/// The served text of `path` in an update, if it was served anew.
fn served(update: &kbsite::serve::site::Update, path: &str) -> Option<String> {
    update
        .files
        .iter()
        .find(|(p, _)| p == path)
        .map(|(_, s)| match s {
            kbsite::serve::site::Served::Copy(p) => std::fs::read_to_string(p).unwrap(),
            packed => String::from_utf8(packed.bytes().unwrap()).unwrap(),
        })
}

/// A page showing `samples/P.cs`, held by the preview server, and the
/// sample's path.
fn served_sample() -> (Site, kbsite::serve::site::Live, std::path::PathBuf) {
    let site = Site::new(&[
        // The code as text: colours are tested in tests/build.rs.
        ("kbsite.yml", "highlight: false\n"),
        ("content/a.md", "# A\n\n[!code-csharp[](samples/P.cs)]\n"),
        ("content/samples/P.cs", "class P { }\n"),
    ]);
    let (live, _) = kbsite::serve::site::Live::build(site.root(), false);
    let sample = site.root().join("content/samples/P.cs");
    (site, live, sample)
}

#[test]
fn serve_reparses_a_page_when_its_sample_comes_or_goes() {
    let (_site, mut live, sample) = served_sample();
    std::fs::remove_file(&sample).unwrap();
    let update = live.apply(std::slice::from_ref(&sample));
    let page = served(&update, "a/index.html").expect("page rendered again");
    assert!(page.contains("Missing code sample"), "{page}");
    common::write(&sample, b"class Q { }\n");
    let update = live.apply(std::slice::from_ref(&sample));
    let page = served(&update, "a/index.html").expect("page rendered again");
    assert!(page.contains("class Q { }"), "{page}");
}

#[test]
fn serve_reparses_a_page_when_its_sample_is_edited() {
    let (_site, mut live, sample) = served_sample();
    common::write(&sample, b"class Edited { }\n");
    let update = live.apply(std::slice::from_ref(&sample));
    let page = served(&update, "a/index.html").expect("page rendered again");
    assert!(page.contains("class Edited { }"), "{page}");
}
