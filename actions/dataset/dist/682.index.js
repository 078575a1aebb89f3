export const id = 682;
export const ids = [682];
export const modules = {

/***/ 4682:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   octokitComments: () => (/* binding */ octokitComments)
/* harmony export */ });
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2413);
// The real IssueComments, over @actions/github's Octokit (which honours GITHUB_API_URL).

function octokitComments(token, owner, repo) {
    const octokit = (0,_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .getOctokit */ .Q)(token);
    const shape = (c) => ({ id: c.id, body: c.body ?? '' });
    return {
        async list(issueNumber) {
            const all = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: issueNumber, per_page: 100 });
            return all.map(shape);
        },
        async create(issueNumber, body) {
            return shape((await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body })).data);
        },
        async update(commentId, body) {
            return shape((await octokit.rest.issues.updateComment({ owner, repo, comment_id: commentId, body })).data);
        },
    };
}


/***/ })

};
