//! Reading and driving the window over WebDriver.

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::Locator;
use serde_json::{json, Value};

use crate::system::screenshot_root;
use crate::{output_dir, App, TIMEOUT};

/// Index of the first element matching `arguments[0]` that a user can see, or -1.
const VISIBLE_INDEX_JS: &str = r#"
const els = Array.from(document.querySelectorAll(arguments[0]));
return els.findIndex(function (el) {
  if (!el.isConnected || el.closest('[hidden]')) return false;
  const dialog = el.closest('dialog');
  if (dialog && !dialog.open) return false;
  if (el.checkVisibility && !el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0;
});
"#;

/// The longest a single WebDriver command may take before the test fails.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// Calls back after two animation frames, i.e. once the current DOM has been painted.
pub(crate) const PAINTED_JS: &str = r#"
const done = arguments[arguments.length - 1];
requestAnimationFrame(function () { requestAnimationFrame(function () { done(true); }); });
"#;

/// CSS selector of a `data-testid`.
pub fn tid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

fn css_string(s: &str) -> String {
    serde_json::to_string(s).expect("string serialises")
}

/// CSS selector of the row with `data-label` = `label`.
pub fn row_by_label(label: &str) -> String {
    format!("[data-testid=\"token-row\"][data-label={}]", css_string(label))
}

/// CSS selector of the row with `data-id` = `id`.
pub fn row_by_id(id: &str) -> String {
    format!("[data-testid=\"token-row\"][data-id={}]", css_string(id))
}

/// One row of the list as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: String,
    pub label: String,
    pub state: String,
    pub platform: String,
    pub hint: String,
    pub countdown: String,
    pub status: String,
    pub stale: String,
    pub feedback: String,
    /// `data-checked` of the row's `row-check` mark: unknown, valid, invalid, cannot_check
    /// ("" when the row has none).
    pub checked: String,
}

impl App {
    // ---- WebDriver helpers -------------------------------------------------------------

    /// Run a script in the page and return its value.
    pub async fn exec(&self, script: &str, args: Vec<Value>) -> Value {
        match tokio::time::timeout(COMMAND_TIMEOUT, self.client().execute(script, args)).await {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => panic!("[{}] script failed: {e}\n{script}", self.name()),
            Err(_) => {
                panic!("[{}] WebDriver did not answer within {COMMAND_TIMEOUT:?} (script:\n{script})", self.name())
            }
        }
    }

    /// Poll `f` until it returns `Some`, or panic after `timeout` saying what we waited for.
    pub async fn wait_until<T>(&self, what: &str, timeout: Duration, mut f: impl AsyncFnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(v) = f().await {
                return v;
            }
            if Instant::now() > deadline {
                panic!("[{}] timed out after {:?} waiting for {what}", self.name(), timeout);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The first element matching `css`, if any.
    pub async fn find(&self, css: &str) -> Option<Element> {
        self.client().find(Locator::Css(css)).await.ok()
    }

    /// Wait for an element matching `css` to exist.
    pub async fn wait_css(&self, css: &str, timeout: Duration) -> Element {
        self.wait_until(&format!("`{css}`"), timeout, async || self.find(css).await).await
    }

    /// Wait for a visible element matching `css`.
    pub async fn wait_visible_css(&self, css: &str, timeout: Duration) -> Element {
        self.wait_until(&format!("`{css}` to be visible"), timeout, async || self.first_visible(css).await).await
    }

    /// The first visible element matching `css`. Visibility is judged in the page (size,
    /// `hidden`, CSS visibility/opacity, closed `<dialog>`), not by WebDriver's "displayed"
    /// atom, which WebKitWebDriver gets wrong for ellipsised text.
    pub async fn first_visible(&self, css: &str) -> Option<Element> {
        let idx = self.exec(VISIBLE_INDEX_JS, vec![json!(css)]).await.as_i64().unwrap_or(-1);
        if idx < 0 {
            return None;
        }
        self.client().find_all(Locator::Css(css)).await.ok()?.into_iter().nth(idx as usize)
    }

    /// Wait for a visible element with `data-testid` = `id`.
    pub async fn wait_tid(&self, id: &str) -> Element {
        self.wait_visible_css(&tid(id), TIMEOUT).await
    }

    /// Whether an element with this test id is visible now.
    pub async fn is_visible(&self, id: &str) -> bool {
        self.visible_css(&tid(id)).await
    }

    pub async fn visible_css(&self, css: &str) -> bool {
        self.exec(VISIBLE_INDEX_JS, vec![json!(css)]).await.as_i64().unwrap_or(-1) >= 0
    }

    /// Wait until nothing visible matches `css`.
    pub async fn wait_gone_css(&self, css: &str) {
        self.wait_until(&format!("`{css}` to disappear"), TIMEOUT, async || {
            (!self.visible_css(css).await).then_some(())
        })
        .await
    }

    pub async fn wait_gone(&self, id: &str) {
        self.wait_gone_css(&tid(id)).await
    }

    /// Click the visible element with this test id.
    pub async fn click(&self, id: &str) {
        self.click_css(&tid(id)).await
    }

    /// Finds the element again for every attempt: a re-render (an alert arriving, a refresh)
    /// can replace it between finding and clicking, and a replaced node never takes a click.
    pub async fn click_css(&self, css: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let el = self.wait_visible_css(css, TIMEOUT).await;
            match el.click().await {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => panic!("[{}] could not click {css}: {e}", self.name()),
                Err(_) => tokio::time::sleep(Duration::from_millis(150)).await,
            }
        }
    }

    pub async fn click_el(&self, el: &Element, what: &str) {
        // A click can be refused while something animates; retry briefly.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match el.click().await {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => panic!("[{}] could not click {what}: {e}", self.name()),
                Err(_) => tokio::time::sleep(Duration::from_millis(150)).await,
            }
        }
    }

    /// Clear a text field and type `text` into it, as a user would.
    pub async fn type_into(&self, id: &str, text: &str) {
        let el = self.wait_tid(id).await;
        // A long dialog may have scrolled the field out of view; WebKitWebDriver then
        // refuses to clear it.
        if let Ok(arg) = serde_json::to_value(&el) {
            self.exec("arguments[0].scrollIntoView({ block: 'nearest' });", vec![arg]).await;
        }
        el.clear().await.unwrap_or_else(|e| panic!("[{}] could not clear {id}: {e}", self.name()));
        if !text.is_empty() {
            el.send_keys(text).await.unwrap_or_else(|e| panic!("[{}] could not type into {id}: {e}", self.name()));
        }
    }

    /// Set an input's or select's value by script and fire `input` and `change` (for date,
    /// time and select fields, which typing handles differently in each engine).
    pub async fn set_value(&self, id: &str, value: &str) {
        self.wait_css(&tid(id), TIMEOUT).await;
        let ok = self
            .exec(
                r#"
                const el = document.querySelector(arguments[0]);
                if (!el) return false;
                const proto = el instanceof HTMLSelectElement ? HTMLSelectElement.prototype
                    : el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
                Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, arguments[1]);
                el.dispatchEvent(new Event('input', { bubbles: true }));
                el.dispatchEvent(new Event('change', { bubbles: true }));
                return el.value === arguments[1];
                "#,
                vec![json!(tid(id)), json!(value)],
            )
            .await;
        assert_eq!(ok, json!(true), "[{}] could not set {id} to {value:?} (no such option?)", self.name());
    }

    /// Pick `value` in a `<select>` used as a menu (one that resets itself after the choice,
    /// like the detail pane's Snooze): set it and fire `input` and `change`, as choosing the
    /// option does. Panics when the select has no such option.
    pub async fn choose(&self, id: &str, value: &str) {
        self.wait_tid(id).await;
        let ok = self
            .exec(
                r#"
                const el = document.querySelector(arguments[0]);
                const value = arguments[1];
                if (!el || !Array.from(el.options).some(function (o) { return o.value === value; })) return false;
                el.value = value;
                el.dispatchEvent(new Event('input', { bubbles: true }));
                el.dispatchEvent(new Event('change', { bubbles: true }));
                return true;
                "#,
                vec![json!(tid(id)), json!(value)],
            )
            .await;
        assert_eq!(ok, json!(true), "[{}] {id} has no option {value:?}", self.name());
    }

    /// The visible text of the element with this test id (whitespace collapsed).
    pub async fn text(&self, id: &str) -> String {
        self.wait_css(&tid(id), TIMEOUT).await;
        self.text_css(&tid(id)).await.unwrap_or_default()
    }

    /// Text of the first element matching `css`, if there is one.
    pub async fn text_css(&self, css: &str) -> Option<String> {
        let v = self
            .exec(
                r#"const el = document.querySelector(arguments[0]);
                   return el ? el.textContent.replace(/\s+/g, ' ').trim() : null;"#,
                vec![json!(css)],
            )
            .await;
        v.as_str().map(str::to_string)
    }

    /// Text of the first visible element matching `css` (whitespace collapsed), if any.
    pub async fn visible_text(&self, css: &str) -> Option<String> {
        let idx = self.exec(VISIBLE_INDEX_JS, vec![json!(css)]).await.as_i64().unwrap_or(-1);
        if idx < 0 {
            return None;
        }
        self.exec(
            r#"const el = document.querySelectorAll(arguments[0])[arguments[1]];
               return el ? el.textContent.replace(/\s+/g, ' ').trim() : null;"#,
            vec![json!(css), json!(idx)],
        )
        .await
        .as_str()
        .map(str::to_string)
    }

    /// The current value of an input (what the user typed).
    pub async fn value(&self, id: &str) -> String {
        self.wait_css(&tid(id), TIMEOUT).await;
        self.exec(
            r#"const el = document.querySelector(arguments[0]); return el ? el.value : null;"#,
            vec![json!(tid(id))],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// Wait until the visible element with this test id has text satisfying `pred`; return it.
    pub async fn wait_text(&self, id: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let css = tid(id);
        self.wait_until(&format!("{id} to show {what}"), TIMEOUT, async || {
            self.visible_text(&css).await.filter(|t| pred(t))
        })
        .await
    }

    /// Every row of the list, in display order.
    pub async fn rows(&self) -> Vec<Row> {
        let v = self
            .exec(
                r#"
                return Array.from(document.querySelectorAll('[data-testid="token-row"]')).map(function (r) {
                  function t(id) {
                    const e = r.querySelector('[data-testid="' + id + '"]');
                    return e ? e.textContent.replace(/\s+/g, ' ').trim() : '';
                  }
                  return {
                    id: r.getAttribute('data-id') || '', label: r.getAttribute('data-label') || '',
                    state: r.getAttribute('data-state') || '', platform: t('row-platform'), hint: t('row-hint'),
                    countdown: t('row-countdown'), status: t('row-status'), stale: t('row-stale'),
                    feedback: t('row-feedback'),
                    checked: (function () {
                      const c = r.querySelector('[data-testid="row-check"]');
                      return c ? c.getAttribute('data-checked') || '' : '';
                    })(),
                  };
                });
                "#,
                vec![],
            )
            .await;
        v.as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|r| {
                let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
                Row {
                    id: s("id"),
                    label: s("label"),
                    state: s("state"),
                    platform: s("platform"),
                    hint: s("hint"),
                    countdown: s("countdown"),
                    status: s("status"),
                    stale: s("stale"),
                    feedback: s("feedback"),
                    checked: s("checked"),
                }
            })
            .collect()
    }

    /// Wait for the row labelled `label`.
    pub async fn wait_row(&self, label: &str) -> Row {
        self.wait_until(&format!("a row labelled {label:?}"), TIMEOUT, async || {
            self.rows().await.into_iter().find(|r| r.label == label && !r.id.is_empty())
        })
        .await
    }

    /// Wait until the row with this id satisfies `pred` (`what` says what for the timeout
    /// message); returns the row.
    pub async fn wait_row_where(&self, id: &str, what: &str, timeout: Duration, pred: impl Fn(&Row) -> bool) -> Row {
        let mut last = None::<Row>;
        let found = self
            .wait_until_quiet(timeout, async || {
                let row = self.rows().await.into_iter().find(|r| r.id == id);
                last = row.clone();
                row.filter(|r| pred(r))
            })
            .await;
        found.unwrap_or_else(|| {
            panic!(
                "[{}] timed out after {timeout:?} waiting for row {id} to be {what}; last seen: {last:?}",
                self.name()
            )
        })
    }

    /// Like [`App::wait_until`], but `None` on timeout instead of a panic.
    pub async fn wait_until_quiet<T>(&self, timeout: Duration, mut f: impl AsyncFnMut() -> Option<T>) -> Option<T> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(v) = f().await {
                return Some(v);
            }
            if Instant::now() > deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The value of attribute `attr` of the first element matching `css`, if any.
    pub async fn attr_css(&self, css: &str, attr: &str) -> Option<String> {
        self.exec(
            r#"const el = document.querySelector(arguments[0]);
               return el ? el.getAttribute(arguments[1]) : null;"#,
            vec![json!(css), json!(attr)],
        )
        .await
        .as_str()
        .map(str::to_string)
    }

    /// Wait until no row has this id.
    pub async fn wait_row_gone(&self, id: &str) {
        self.wait_until(&format!("row {id} to disappear"), TIMEOUT, async || {
            (!self.rows().await.iter().any(|r| r.id == id)).then_some(())
        })
        .await
    }

    /// Click the element with test id `inner` inside the row labelled `label`.
    pub async fn click_in_row(&self, label: &str, inner: &str) {
        self.click_css(&format!("{} {}", row_by_label(label), tid(inner))).await
    }

    /// Select a row (click its label), then wait for the detail pane.
    pub async fn open_detail(&self, label: &str) {
        self.click_css(&format!("{} {}", row_by_label(label), tid("row-label"))).await;
        self.wait_text("detail-label", &format!("label {label:?}"), |t| t.contains(label)).await;
    }

    /// Wait until the page has painted what the DOM holds now (two animation frames). Under
    /// Xvfb a repaint can lag a DOM change by a second or more; screenshots wait for it.
    pub async fn wait_for_paint(&self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client().execute_async(PAINTED_JS, vec![])).await;
    }

    /// Save a screenshot of the whole screen to `tests/output/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        self.wait_for_paint().await;
        screenshot_root(name)
    }

    /// Save what the window shows (the page as WebKit renders it, via WebDriver) to
    /// `tests/output/<name>.png`: the window's content without the rest of the screen.
    pub async fn page_screenshot(&self, name: &str) -> PathBuf {
        self.wait_for_paint().await;
        let png = match tokio::time::timeout(COMMAND_TIMEOUT, self.client().screenshot()).await {
            Ok(Ok(png)) => png,
            Ok(Err(e)) => panic!("[{}] screenshot failed: {e}", self.name()),
            Err(_) => panic!("[{}] WebDriver took over {COMMAND_TIMEOUT:?} for a screenshot", self.name()),
        };
        let path = output_dir().join(format!("{name}.png"));
        fs::write(&path, png).unwrap();
        path
    }
}
