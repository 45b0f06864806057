// The review queue by keyboard: 1-9 toggle criteria, A ticks or unticks the group's other
// answers, Enter accepts (or saves the grade once
// something was changed), S skips, J/K next/previous. The page works without it (buttons, links).
(function () {
  "use strict";
  const form = document.getElementById("review-form");
  if (!form) return;
  const boxes = Array.from(form.querySelectorAll('input[name="criteria"]'));
  const points = document.getElementById("points");
  const initialTicks = boxes.map((box) => box.checked);
  const initialPoints = points.value;
  const max = parseFloat(form.dataset.max);
  const step = parseFloat(form.dataset.step || "0");
  const selectAny = parseInt(form.dataset.selectAny || "0", 10);
  let pointsTyped = false;

  function sum(values) {
    return values.reduce((total, value) => total + value, 0);
  }

  // The points the ticked criteria earn under the rubric's "any k of" rule (as the server does).
  function criteriaPoints() {
    const ticked = boxes.filter((box) => box.checked);
    const value = (box) => parseFloat(box.dataset.points);
    if (selectAny > 0) {
      const group = ticked.filter((box) => box.dataset.group === "yes").map(value);
      group.sort((a, b) => b - a);
      const rest = ticked.filter((box) => box.dataset.group !== "yes").map(value);
      return Math.min(sum(group.slice(0, selectAny)) + sum(rest), max);
    }
    return Math.min(sum(ticked.map(value)), max);
  }

  // Points in the grading step, as the server shows them (grader.rubrics.points.in_steps):
  // the nearest step, halves up, the maximum a step of its own (1.2 of 1.2 with step 0.5).
  function inSteps(exact) {
    let shown = exact;
    if (step > 0) {
      shown = Math.min(Math.floor(exact / step + 0.5 + 1e-9) * step, max);
      if (max - exact <= Math.abs(exact - shown) + 1e-9) shown = max;
    }
    return Math.round(Math.max(Math.min(shown, max), 0) * 10000) / 10000;
  }

  const reason = document.getElementById("reason");

  // A reason typed is a change too: saved as the instructor's grade, with the reason.
  function changed() {
    return boxes.some((box, i) => box.checked !== initialTicks[i]) ||
      points.value !== initialPoints || (reason && reason.value.trim() !== "");
  }

  // A group's alike members are ticked to share the grade because the machine judged them as
  // it judged this answer. Once the instructor decides this answer otherwise than the machine
  // (a key point, or a total the key points do not earn), that is no evidence any more: they
  // are unticked, with a note, until the instructor ticks them again or undoes the correction.
  const alike = Array.from(form.querySelectorAll('#alike-members input[name="members"]'));
  const chosen = document.getElementById("members-chosen");
  const note = document.getElementById("corrected-note");
  let unticked = false;
  if (note) note.hidden = true;  // shown when a correction unticks them (always, without scripts)

  // As the server reads the form: a number typed is an adjustment when it is neither what the
  // ticks earn nor the machine's points the field started at.
  function corrects() {
    const typed = parseFloat(points.value);
    const adjusted = pointsTyped && Number.isFinite(typed) &&
      Math.abs(typed - inSteps(criteriaPoints())) > 1e-9 &&
      Math.abs(typed - parseFloat(initialPoints)) > 1e-9;
    return adjusted || boxes.some((box, i) => box.checked !== initialTicks[i]);
  }

  function followCorrection() {
    if (!chosen || chosen.value === "yes" && !unticked) return;  // the instructor's own ticks
    if (corrects() && !unticked) {
      alike.forEach((box) => { box.checked = false; });
      unticked = true;
      chosen.value = "yes";
      if (note) {
        note.textContent = "You decided this answer otherwise than the machine, so the answers " +
          "above are unticked: the machine judged them as it judged this one, and it was wrong " +
          "here. Tick those that share your grade.";
        note.hidden = false;
      }
    } else if (!corrects() && unticked) {
      alike.forEach((box) => { box.checked = true; });
      unticked = false;
      chosen.value = "";
      if (note) note.hidden = true;
    }
  }

  form.querySelectorAll('input[name="members"]').forEach((box) => box.addEventListener(
    "change", () => { if (chosen) chosen.value = "yes"; unticked = false; }));
  points.addEventListener("input", () => { pointsTyped = true; followCorrection(); });
  boxes.forEach((box) => box.addEventListener("change", () => {
    if (!pointsTyped) points.value = String(inSteps(criteriaPoints()));
    followCorrection();
  }));

  function go(id) {
    const link = document.getElementById(id);
    if (link) window.location.assign(link.href);
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    const target = event.target;
    if (event.key === "Enter") {
      if (target instanceof HTMLButtonElement || target instanceof HTMLAnchorElement) return;
      event.preventDefault();
      document.getElementById(changed() ? "override" : "accept").click();
      return;
    }
    const typing = target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement ||
      (target instanceof HTMLInputElement && target.type !== "checkbox");
    if (typing) return;
    if (/^[1-9]$/.test(event.key)) {
      const box = boxes[Number(event.key) - 1];
      if (box) {
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change"));
        event.preventDefault();
      }
      return;
    }
    const key = event.key.toLowerCase();
    if (key === "a") {
      const members = Array.from(form.querySelectorAll('input[name="members"]'));
      const tick = members.some((box) => !box.checked);
      members.forEach((box) => { box.checked = tick; });
      if (chosen) chosen.value = "yes";
      unticked = false;
      event.preventDefault();
      return;
    }
    if (key === "s" || key === "j") go("next");
    else if (key === "k") go("previous");
  });
})();
