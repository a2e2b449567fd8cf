"use strict";
// Checks a shop handle as the seller types: TikTok's rules here, then the
// server's answer (taken, reserved) from the input's data-check address.
(function(){
var input=document.querySelector("input[data-check]");if(!input)return;
var out=document.getElementById(input.getAttribute("aria-describedby").split(" ")[0]);
var timer=0,seq=0;
function say(cls,msg){out.className=cls;out.textContent=msg;input.setAttribute("aria-invalid",cls==="err"?"true":"false")}
function rules(h){
if(h.length<2)return"At least 2 characters.";
if(h.length>24)return"At most 24 characters.";
if(!/^[a-z0-9._]+$/.test(h))return"Only a-z, 0-9, '.' and '_'.";
if(h.charAt(h.length-1)===".")return"A handle cannot end with a period.";
return""}
input.addEventListener("input",function(){
var h=input.value.trim().replace(/^@/,"").toLowerCase();clearTimeout(timer);
if(!h){say("hint","");return}
var bad=rules(h);if(bad){say("err",bad);return}
say("hint","Checking @"+h+"…");var my=++seq;
timer=setTimeout(function(){
fetch(input.getAttribute("data-check")+encodeURIComponent(h),{headers:{Accept:"application/json"}}).then(function(r){return r.json()}).then(function(a){
if(my!==seq)return;
if(a.available)say("ok","@"+h+" is available.");else say("err",a.reason||("@"+h+" is taken."))
}).catch(function(){if(my===seq)say("hint","")})
},250)});
})();
