//! A merchandiser's checklist template: the questions a store visit asks, checked whole so that
//! dispatch hears of every problem at once, each named by its path
//! (`questions[2].options[1]: …`). A published version is named by the SHA-256 of its canonical
//! JSON, so an answer can say exactly which wording and limits it was given against.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::event::{MAX_NAME_CHARS, MAX_PHOTOS_PER_EVENT, MAX_TEXT_CHARS};
use crate::sha256_hex;

/// The most questions one template may ask: a visit is minutes, not an audit.
pub const MAX_QUESTIONS: usize = 200;
/// The most options a choice question may offer.
pub const MAX_OPTIONS: usize = 50;
/// The most products a template may name in one per-product block.
pub const MAX_BLOCK_PRODUCTS: usize = 500;
/// The most characters of a question's key (`shelf_clean`).
pub const MAX_KEY_CHARS: usize = 64;
/// The heaviest a question may weigh in the compliance score.
pub const MAX_WEIGHT: u32 = 100;

/// A checklist as dispatch authors it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub name: String,
    pub questions: Vec<Question>,
}

/// One question of a template. (Keys a question does not know are found by
/// [`Template::from_json`]: serde cannot refuse them through the flattened kind.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// A stable key for the question (`shelf_clean`): answers name it, and it survives a
    /// rewording in a later version.
    pub key: String,
    /// The words the merchandiser reads.
    pub text: String,
    /// An unanswered required question blocks check-out unless a reason is given.
    #[serde(default)]
    pub required: bool,
    /// How much the question counts in the compliance score (1 when left out).
    #[serde(default = "one")]
    pub weight: u32,
    #[serde(flatten)]
    pub kind: QuestionKind,
}

fn one() -> u32 {
    1
}

/// What kind of answer a question takes, and its limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    /// Yes or no; `expected` is the answer that meets the target, when there is one.
    YesNo {
        #[serde(default)]
        expected: Option<bool>,
    },
    /// A number between `min` and `max` (either may be left out).
    Number {
        #[serde(default)]
        min: Option<f64>,
        #[serde(default)]
        max: Option<f64>,
    },
    /// One of the options.
    SingleChoice { options: Vec<String> },
    /// Any of the options.
    MultipleChoice { options: Vec<String> },
    /// Free text, at most `max_chars` characters.
    Text {
        #[serde(default = "max_text")]
        max_chars: u32,
    },
    /// Between `min` and `max` photos; `camera_only` refuses pictures from the gallery.
    Photo {
        #[serde(default)]
        min: u32,
        max: u32,
        #[serde(default)]
        camera_only: bool,
    },
    /// For each product of the store's assortment (plus those named here): present or out of
    /// stock, facings, shelf price, share of shelf in percent and the nearest expiry date.
    Products {
        #[serde(default)]
        products: Vec<String>,
    },
}

fn max_text() -> u32 {
    MAX_TEXT_CHARS as u32
}

/// One thing wrong with a template, at its place in the JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where, as a path into the JSON: `questions[2].options[1]`.
    pub path: String,
    /// What is wrong, in words dispatch can act on.
    pub message: String,
}

/// Every problem of a template, in the order they appear.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Problems(pub Vec<Problem>);

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "the checklist has {n} {}:",
            if n == 1 { "problem" } else { "problems" }
        )?;
        for p in &self.0 {
            write!(f, " {}: {};", p.path, p.message)?;
        }
        Ok(())
    }
}

impl Template {
    /// Reads a template from JSON; a body that is not a template at all is one problem at `$`.
    pub fn from_json(json: &str) -> Result<Template, Problems> {
        let not_a_template = |e: serde_json::Error| {
            Problems(vec![Problem {
                path: "$".into(),
                message: format!("this is not a checklist template: {e}"),
            }])
        };
        // Read once: the tree gives the template and the keys no question knows.
        let value: serde_json::Value = serde_json::from_str(json).map_err(not_a_template)?;
        let template = Template::deserialize(&value).map_err(not_a_template)?;
        let mut found = Found::default();
        found.unknown_keys(&value);
        if let Err(Problems(more)) = template.validate() {
            found.0.extend(more);
        }
        found.finish().map(|()| template)
    }

    /// Checks the whole template and lists every problem, not just the first.
    pub fn validate(&self) -> Result<(), Problems> {
        let mut found = Found::default();
        found.text("name", &self.name, MAX_NAME_CHARS, "the checklist's name");
        if self.questions.is_empty() {
            found.at("questions", "a checklist asks at least one question");
        }
        if self.questions.len() > MAX_QUESTIONS {
            found.at(
                "questions",
                format!(
                    "a checklist asks at most {MAX_QUESTIONS} questions, this one {}",
                    self.questions.len()
                ),
            );
        }
        let mut keys = BTreeSet::new();
        for (i, q) in self.questions.iter().enumerate() {
            let at = format!("questions[{i}]");
            q.check(&at, &mut found);
            if !q.key.is_empty() && !keys.insert(q.key.as_str()) {
                found.at(
                    format!("{at}.key"),
                    format!("\"{}\" is the key of an earlier question too", q.key),
                );
            }
        }
        found.finish()
    }

    /// The version's name: the SHA-256 of the template's canonical JSON. The same template
    /// always has the same name; any change to a word, a limit or the order gives a new one.
    pub fn version(&self) -> String {
        let canonical = serde_json::to_vec(self).expect("a template always serialises");
        sha256_hex(&canonical)
    }
}

impl Question {
    fn check(&self, at: &str, found: &mut Found) {
        let key_ok = !self.key.is_empty()
            && self.key.chars().count() <= MAX_KEY_CHARS
            && self
                .key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if !key_ok {
            found.at(
                format!("{at}.key"),
                format!(
                    "a key is 1 to {MAX_KEY_CHARS} lowercase letters, digits, '_' or '-', like \
                     \"shelf_clean\" (got \"{}\")",
                    self.key
                ),
            );
        }
        found.text(
            &format!("{at}.text"),
            &self.text,
            MAX_TEXT_CHARS,
            "the question",
        );
        if self.weight == 0 || self.weight > MAX_WEIGHT {
            found.at(
                format!("{at}.weight"),
                format!(
                    "a weight is between 1 and {MAX_WEIGHT} (got {})",
                    self.weight
                ),
            );
        }
        match &self.kind {
            QuestionKind::YesNo { .. } => {}
            QuestionKind::Number { min, max } => {
                for (name, v) in [("min", min), ("max", max)] {
                    if v.is_some_and(|v| !v.is_finite()) {
                        found.at(format!("{at}.{name}"), "must be a plain number");
                    }
                }
                if let (Some(lo), Some(hi)) = (min, max) {
                    if lo > hi {
                        found.at(
                            format!("{at}.max"),
                            format!("the largest answer ({hi}) is below the smallest ({lo})"),
                        );
                    }
                }
            }
            QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
                check_options(at, options, found)
            }
            QuestionKind::Text { max_chars } => {
                if *max_chars == 0 || *max_chars as usize > MAX_TEXT_CHARS {
                    found.at(
                        format!("{at}.max_chars"),
                        format!("a text answer allows 1 to {MAX_TEXT_CHARS} characters"),
                    );
                }
            }
            QuestionKind::Photo { min, max, .. } => {
                if *max == 0 || *max as usize > MAX_PHOTOS_PER_EVENT {
                    found.at(
                        format!("{at}.max"),
                        format!("a photo question takes 1 to {MAX_PHOTOS_PER_EVENT} photos"),
                    );
                }
                if min > max {
                    found.at(
                        format!("{at}.min"),
                        format!("asks for at least {min} photos but allows only {max}"),
                    );
                }
                if self.required && *min == 0 {
                    found.at(
                        format!("{at}.min"),
                        "a required photo question asks for at least 1 photo",
                    );
                }
            }
            QuestionKind::Products { products } => {
                if products.len() > MAX_BLOCK_PRODUCTS {
                    found.at(
                        format!("{at}.products"),
                        format!("a block names at most {MAX_BLOCK_PRODUCTS} products"),
                    );
                }
                let mut seen = BTreeSet::new();
                for (j, sku) in products.iter().enumerate() {
                    let path = format!("{at}.products[{j}]");
                    if sku.trim().is_empty() {
                        found.at(path, "a product is named by its SKU, which is empty here");
                    } else if !seen.insert(sku.trim()) {
                        found.at(path, format!("\"{sku}\" is named twice"));
                    }
                }
            }
        }
    }
}

fn check_options(at: &str, options: &[String], found: &mut Found) {
    if options.len() < 2 {
        found.at(
            format!("{at}.options"),
            "a choice offers at least 2 options",
        );
    }
    if options.len() > MAX_OPTIONS {
        found.at(
            format!("{at}.options"),
            format!("a choice offers at most {MAX_OPTIONS} options"),
        );
    }
    let mut seen = BTreeSet::new();
    for (j, option) in options.iter().enumerate() {
        let path = format!("{at}.options[{j}]");
        if option.trim().is_empty() {
            found.at(path, "an option needs words");
        } else if option.chars().count() > MAX_NAME_CHARS {
            found.at(
                path,
                format!("an option is at most {MAX_NAME_CHARS} characters"),
            );
        } else if !seen.insert(option.trim().to_lowercase()) {
            found.at(path, format!("\"{option}\" is offered twice"));
        }
    }
}

/// The problems found so far.
#[derive(Default)]
struct Found(Vec<Problem>);

impl Found {
    fn at(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    fn text(&mut self, path: &str, value: &str, max: usize, what: &str) {
        if value.trim().is_empty() {
            self.at(path, format!("{what} needs words"));
        } else if value.chars().count() > max {
            self.at(path, format!("{what} is at most {max} characters"));
        }
    }

    /// Keys no question of its type knows (a typo such as `requried` would otherwise be lost).
    fn unknown_keys(&mut self, template: &serde_json::Value) {
        const COMMON: [&str; 5] = ["key", "text", "required", "weight", "type"];
        let Some(questions) = template.get("questions").and_then(|q| q.as_array()) else {
            return;
        };
        for (i, q) in questions.iter().enumerate() {
            let Some(q) = q.as_object() else { continue };
            let own: &[&str] = match q.get("type").and_then(|t| t.as_str()) {
                Some("yes_no") => &["expected"],
                Some("number") => &["min", "max"],
                Some("single_choice" | "multiple_choice") => &["options"],
                Some("text") => &["max_chars"],
                Some("photo") => &["min", "max", "camera_only"],
                Some("products") => &["products"],
                _ => continue,
            };
            for key in q.keys() {
                if !COMMON.contains(&key.as_str()) && !own.contains(&key.as_str()) {
                    self.at(
                        format!("questions[{i}].{key}"),
                        format!(
                            "a {} question has no \"{key}\"",
                            q["type"].as_str().unwrap_or("")
                        ),
                    );
                }
            }
        }
    }

    fn finish(self) -> Result<(), Problems> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Problems(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHELF: &str = r#"{
        "name": "Shelf check",
        "questions": [
            {"key": "shelf_clean", "text": "Is the shelf clean?", "type": "yes_no", "expected": true, "required": true},
            {"key": "promo", "text": "Which promotion is up?", "type": "single_choice", "options": ["Winter", "None"]},
            {"key": "facings_total", "text": "Facings in all", "type": "number", "min": 0, "max": 200},
            {"key": "shelf_photo", "text": "Photo of the shelf", "type": "photo", "min": 1, "max": 3, "camera_only": true, "required": true},
            {"key": "products", "text": "Our products", "type": "products", "products": ["OAT-1L", "FLOUR-25"]},
            {"key": "remarks", "text": "Anything else?", "type": "text"}
        ]
    }"#;

    fn paths(p: &Problems) -> Vec<&str> {
        p.0.iter().map(|p| p.path.as_str()).collect()
    }

    #[test]
    fn a_sound_template_is_read_with_its_defaults() {
        let t = Template::from_json(SHELF).expect("the shelf check is a sound template");
        assert_eq!(t.questions.len(), 6, "every question is read");
        assert_eq!(
            t.questions[1].weight, 1,
            "a question without a weight counts once in the score"
        );
        assert!(
            !t.questions[1].required,
            "a question is optional unless it says it is required"
        );
        assert_eq!(
            t.questions[5].kind,
            QuestionKind::Text {
                max_chars: MAX_TEXT_CHARS as u32
            },
            "a text question without a limit takes the longest text an event may carry"
        );
    }

    #[test]
    fn every_problem_is_named_by_its_path_at_once() {
        let json = r#"{
            "name": " ",
            "questions": [
                {"key": "Shelf Clean", "text": "", "type": "yes_no", "weight": 0},
                {"key": "promo", "text": "Promotion?", "type": "single_choice", "options": ["Winter", "winter", ""]},
                {"key": "promo", "text": "Facings", "type": "number", "min": 10, "max": 2},
                {"key": "photo", "text": "Photo", "type": "photo", "min": 0, "max": 0, "required": true},
                {"key": "products", "text": "Ours", "type": "products", "products": ["OAT-1L", "OAT-1L", " "]}
            ]
        }"#;
        let problems =
            Template::from_json(json).expect_err("this template is wrong in many places");
        assert_eq!(
            paths(&problems),
            vec![
                "name",
                "questions[0].key",
                "questions[0].text",
                "questions[0].weight",
                "questions[1].options[1]",
                "questions[1].options[2]",
                "questions[2].max",
                "questions[2].key",
                "questions[3].max",
                "questions[3].min",
                "questions[4].products[1]",
                "questions[4].products[2]",
            ],
            "dispatch hears of every problem in one answer, each at its place, in the JSON's order"
        );
        let words = problems.to_string();
        assert!(
            words.starts_with("the checklist has 12 problems:"),
            "the message counts the problems: {words}"
        );
        assert!(
            words.contains("questions[2].key: \"promo\" is the key of an earlier question too"),
            "a repeated key is named with the key: {words}"
        );
    }

    #[test]
    fn a_body_that_is_not_a_template_is_one_plain_problem() {
        let problems = Template::from_json(
            r#"{"name": "x", "questions": [{"key": "a", "text": "b", "type": "slider"}]}"#,
        )
        .expect_err("an unknown question type is refused");
        assert_eq!(paths(&problems), vec!["$"], "the problem is the whole body");
        assert!(
            problems.0[0]
                .message
                .starts_with("this is not a checklist template"),
            "the message says what the body is not: {}",
            problems.0[0].message
        );
        let empty = Template::from_json(r#"{"name": "Empty", "questions": []}"#)
            .expect_err("a checklist without questions is refused");
        assert_eq!(
            paths(&empty),
            vec!["questions"],
            "an empty checklist is one problem at its questions"
        );
    }

    #[test]
    fn a_misspelt_or_misplaced_setting_is_a_problem_not_ignored() {
        let json = r#"{"name": "Typos", "questions": [
            {"key": "clean", "text": "Clean?", "type": "yes_no", "requried": true},
            {"key": "count", "text": "How many?", "type": "number", "options": ["a", "b"]}
        ]}"#;
        let problems =
            Template::from_json(json).expect_err("settings a question does not know are refused");
        assert_eq!(
            paths(&problems),
            vec!["questions[0].requried", "questions[1].options"],
            "each unknown setting is named at its place"
        );
        assert!(
            problems.0[1]
                .message
                .contains("a number question has no \"options\""),
            "the message says which kind of question does not take it: {}",
            problems.0[1].message
        );
    }

    #[test]
    fn a_version_is_the_same_for_the_same_template_and_new_for_any_change() {
        let a = Template::from_json(SHELF).unwrap();
        let b = Template::from_json(SHELF).unwrap();
        assert_eq!(
            a.version(),
            b.version(),
            "the same template always has the same version name"
        );
        assert_eq!(
            a.version().len(),
            64,
            "a version is named by a SHA-256 in hex"
        );
        let mut reworded = a.clone();
        reworded.questions[0].text = "Is the shelf tidy?".into();
        assert_ne!(
            a.version(),
            reworded.version(),
            "a reworded question is a new version"
        );
        let mut reordered = a.clone();
        reordered.questions.swap(0, 1);
        assert_ne!(
            a.version(),
            reordered.version(),
            "the order of the questions is part of the version"
        );
    }
}
