"use strict";
// The dashboard's progressive enhancements: every form works without them.
(function(){
var toast=document.getElementById("toast");
function say(m){if(!toast)return;toast.textContent=m;clearTimeout(say.t);say.t=setTimeout(function(){toast.textContent=""},3000)}

// Deleting asks first; the server asks again without this script.
document.addEventListener("submit",function(e){
var f=e.target,q=f.getAttribute("data-confirm");if(!q)return;
if(!window.confirm(q)){e.preventDefault();return}
var i=document.createElement("input");i.type="hidden";i.name="confirm";i.value="yes";f.appendChild(i)});

// Drag to reorder (pointer events: mouse, touch and pen), saved at once.
Array.prototype.forEach.call(document.querySelectorAll("[data-reorder]"),function(list){
var hint=document.querySelector(".hint-js");if(hint)hint.hidden=false;
var dragged=null;
list.addEventListener("pointerdown",function(e){
var grip=e.target.closest(".grip");if(!grip)return;
dragged=grip.closest("li");dragged.classList.add("dragging");grip.setPointerCapture(e.pointerId);e.preventDefault()});
list.addEventListener("pointermove",function(e){
if(!dragged)return;
var over=document.elementFromPoint(e.clientX,e.clientY);over=over&&over.closest("li");
if(!over||over===dragged||over.parentNode!==list||over.getAttribute("data-pinned")!==dragged.getAttribute("data-pinned"))return;
var r=over.getBoundingClientRect();
list.insertBefore(dragged,e.clientY<r.top+r.height/2?over:over.nextSibling)});
function drop(){
if(!dragged)return;dragged.classList.remove("dragging");dragged=null;
var ids=Array.prototype.map.call(list.querySelectorAll("li[data-id]"),function(li){return li.getAttribute("data-id")});
var body=new URLSearchParams();body.set("ids",ids.join(","));body.set("csrf",list.getAttribute("data-csrf"));
fetch(list.getAttribute("data-reorder"),{method:"POST",body:body,credentials:"same-origin",headers:{"X-CSRF-Token":list.getAttribute("data-csrf")}}).then(function(r){
if(!r.ok)throw new Error(r.status);list.setAttribute("data-saved",ids.join(","));say("Order saved")}).catch(function(){say("The order could not be saved; reloading");setTimeout(function(){location.reload()},1200)})}
list.addEventListener("pointerup",drop);list.addEventListener("pointercancel",drop)});

// The profile's live preview and the accent colour's contrast check.
var form=document.getElementById("profile-form");
if(form){
var set=function(id,v){var el=document.getElementById(id);if(el)el.textContent=v};
var lum=function(hex){var c=[1,3,5].map(function(i){var v=parseInt(hex.substr(i,2),16)/255;return v<=0.04045?v/12.92:Math.pow((v+0.055)/1.055,2.4)});return 0.2126*c[0]+0.7152*c[1]+0.0722*c[2]};
var accent=function(v){
var b=document.getElementById("pv-button");if(!/^#[0-9a-fA-F]{6}$/.test(v)){b.style.background="";return}
b.style.background=v;var ratio=1.05/(lum(v)+0.05);
var err=document.getElementById("accentColor-live");if(!err){err=document.createElement("span");err.id="accentColor-live";err.setAttribute("aria-live","polite");document.getElementById("accentColor").parentNode.after(err)}
err.className=ratio<4.5?"err":"hint";err.textContent=ratio<4.5?"Too light: white text has a contrast of "+(Math.floor(ratio*10)/10)+":1 on it, 4.5:1 is needed.":"Contrast "+(Math.floor(ratio*10)/10)+":1, readable."};
form.addEventListener("input",function(e){
var t=e.target,p=t.getAttribute("data-preview");
if(p==="name")set("pv-name",t.value);
if(p==="bio")set("pv-bio",t.value);
if(p==="accent")accent(t.value);
if(t.getAttribute("data-sync")){var o=document.getElementById(t.getAttribute("data-sync"));o.value=t.value;accent(t.value)}});
form.addEventListener("change",function(e){
var t=e.target;if(t.getAttribute("data-preview")!=="avatar"||!t.files||!t.files[0])return;
var r=new FileReader();r.onload=function(){var img=document.getElementById("pv-avatar");img.src=r.result;img.hidden=false};r.readAsDataURL(t.files[0])});
var a=document.getElementById("accentColor");if(a&&a.value)accent(a.value)}

// Videos being read: the page updates itself, unless the seller is typing.
if(document.querySelector("[data-pending]")){
setTimeout(function again(){
var busy=document.activeElement&&/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
var chosen=Array.prototype.some.call(document.querySelectorAll("input[type=file]"),function(i){return i.files&&i.files.length});
if(busy||chosen){setTimeout(again,4000);return}
location.reload()},4000)}
})();
